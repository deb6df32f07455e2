// liner-sqlite-lock PATH: another process holding a SQLite file's write lock,
// as an operator's shell or a stuck program would. It opens PATH, runs BEGIN
// EXCLUSIVE (waiting up to 20 s for writers in flight), prints "locked", and
// holds the lock until a line "release" or the end of stdin; then it commits,
// prints "released" and exits 0. Exit 1 (with "error WHAT") if it cannot lock.
#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdio>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: liner-sqlite-lock PATH\n";
    return 2;
  }
  try {
    SQLite::Database db{argv[1], SQLite::OPEN_READWRITE};
    db.setBusyTimeout(20000);
    db.exec("BEGIN EXCLUSIVE");
    std::cout << "locked" << std::endl;
    std::string line;
    while (std::getline(std::cin, line) && line != "release") {
    }
    db.exec("COMMIT");
    std::cout << "released" << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cout << "error " << e.what() << std::endl;
    return 1;
  }
}
