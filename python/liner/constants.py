"""The library's constants: status kinds and error codes.

The plain module-level integers mirror liner's wrapper (``liner.PEER_CONNECTED``,
``liner.ERR_NO_ADDR``...). :class:`StatusKind` and :class:`ErrorCode` are the
same values as :class:`enum.IntEnum` for code that prefers names.
"""
from __future__ import annotations

import enum

__all__ = [
    "PEER_CONNECTED",
    "PEER_DISCONNECTED",
    "PEER_SUBSCRIBED",
    "PEER_UNSUBSCRIBED",
    "SENDER_ROUTE_LOST",
    "SENDER_STORE_ERROR",
    "SENDER_SEND_ERROR",
    "LISTENER_STORE_ERROR",
    "SENDER_BUSY",
    "OK",
    "ERR_NOT_RUNNING",
    "ERR_ALREADY_RUNNING",
    "ERR_SELF_TOPIC",
    "ERR_INTERNAL_TOPIC",
    "ERR_NO_ADDR",
    "ERR_BIND",
    "ERR_STORE",
    "ERR_INVALID_ARG",
    "ERR_CLEAR_WHILE_RUNNING",
    "ERR_STARTUP",
    "ERR_BUSY",
    "INTERNAL_CHANNEL",
    "StatusKind",
    "ErrorCode",
]

# Status kinds (the ``kind`` argument of status callbacks).
PEER_CONNECTED = 1
PEER_DISCONNECTED = 2
PEER_SUBSCRIBED = 3
PEER_UNSUBSCRIBED = 4
SENDER_ROUTE_LOST = 5
SENDER_STORE_ERROR = 6
SENDER_SEND_ERROR = 7
LISTENER_STORE_ERROR = 8
SENDER_BUSY = 9

# Last error codes (``Client.last_error_code()``).
OK = 0
ERR_NOT_RUNNING = 1
ERR_ALREADY_RUNNING = 2
ERR_SELF_TOPIC = 3
ERR_INTERNAL_TOPIC = 4
ERR_NO_ADDR = 5
ERR_BIND = 6
ERR_STORE = 7
ERR_INVALID_ARG = 8
ERR_CLEAR_WHILE_RUNNING = 9
ERR_STARTUP = 10
ERR_BUSY = 11

#: The reserved control topic; it cannot be subscribed to.
INTERNAL_CHANNEL = "__#internal_channel"


class StatusKind(enum.IntEnum):
    """Status event kinds, as passed to status callbacks."""

    PEER_CONNECTED = PEER_CONNECTED
    PEER_DISCONNECTED = PEER_DISCONNECTED
    PEER_SUBSCRIBED = PEER_SUBSCRIBED
    PEER_UNSUBSCRIBED = PEER_UNSUBSCRIBED
    SENDER_ROUTE_LOST = SENDER_ROUTE_LOST
    SENDER_STORE_ERROR = SENDER_STORE_ERROR
    SENDER_SEND_ERROR = SENDER_SEND_ERROR
    LISTENER_STORE_ERROR = LISTENER_STORE_ERROR
    SENDER_BUSY = SENDER_BUSY


class ErrorCode(enum.IntEnum):
    """Error codes, as returned by ``Client.last_error_code()``."""

    OK = OK
    NOT_RUNNING = ERR_NOT_RUNNING
    ALREADY_RUNNING = ERR_ALREADY_RUNNING
    SELF_TOPIC = ERR_SELF_TOPIC
    INTERNAL_TOPIC = ERR_INTERNAL_TOPIC
    NO_ADDR = ERR_NO_ADDR
    BIND = ERR_BIND
    STORE = ERR_STORE
    INVALID_ARG = ERR_INVALID_ARG
    CLEAR_WHILE_RUNNING = ERR_CLEAR_WHILE_RUNNING
    STARTUP = ERR_STARTUP
    BUSY = ERR_BUSY
