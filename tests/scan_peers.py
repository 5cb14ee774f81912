#!/usr/bin/env python3
"""Test peers for certhound scan, on loopback only.

usage: scan_peers.py MODE HOST PORT [CERT KEY]

Modes:
  stall     accept and never say anything (keeps every connection open)
  reset     read the ClientHello, then close with RST (SO_LINGER 0) mid-handshake
  http      answer whatever arrives with a plain HTTP 400 response
  smtp, imap, pop3, ftp
            speak the protocol's greeting and STARTTLS command, then TLS with CERT/KEY
  smtp-refuse
            an SMTP server that answers STARTTLS with 454

Prints "ready" on stdout once listening; runs until killed.
"""
import socket
import ssl
import struct
import sys
import threading

DIALOGUES = {
    # mode: [(line sent by the server, expected client command prefix or None)], final reply
    "smtp": (["220 mx.test ESMTP certhound-test"],
             [("EHLO", ["250-mx.test", "250-PIPELINING", "250 STARTTLS"]),
              ("STARTTLS", ["220 2.0.0 Ready to start TLS"])]),
    "smtp-refuse": (["220 mx.test ESMTP certhound-test"],
                    [("EHLO", ["250-mx.test", "250 SIZE 1000"]),
                     ("STARTTLS", ["454 4.7.0 TLS not available"])]),
    "imap": (["* OK [CAPABILITY IMAP4rev1 STARTTLS] ready"],
             [("a001 STARTTLS", ["* NOTE untagged line first", "a001 OK Begin TLS"])]),
    "pop3": (["+OK POP3 ready"], [("STLS", ["+OK Begin TLS"])]),
    "ftp": (["220-Welcome", "220 FTP ready"], [("AUTH TLS", ["234 AUTH TLS OK"])]),
}


def read_line(conn):
    buf = b""
    while not buf.endswith(b"\n"):
        c = conn.recv(1)
        if not c:
            raise EOFError
        buf += c
        if len(buf) > 4096:
            raise EOFError
    return buf.decode("latin-1").strip()


def serve_starttls(conn, mode, ctx):
    greeting, steps = DIALOGUES[mode]
    for line in greeting:
        conn.sendall(line.encode() + b"\r\n")
    for expect, replies in steps:
        got = read_line(conn)
        if not got.upper().startswith(expect.upper()):
            conn.sendall(b"500 unexpected\r\n")
            return
        for line in replies:
            conn.sendall(line.encode() + b"\r\n")
    if mode == "smtp-refuse":
        return
    tls = ctx.wrap_socket(conn, server_side=True)
    try:
        tls.recv(1)
    except (ssl.SSLError, OSError):
        pass
    tls.close()


def handle(conn, mode, ctx):
    try:
        if mode == "stall":
            while conn.recv(4096):
                pass
        elif mode == "reset":
            conn.recv(4096)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif mode == "http":
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
        else:
            serve_starttls(conn, mode, ctx)
    except (OSError, EOFError, ssl.SSLError):
        pass
    finally:
        conn.close()


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ctx = None
    if len(sys.argv) > 5:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(4096)
    print("ready", flush=True)
    held = []
    while mode == "stall":
        conn, _ = srv.accept()  # held open, never read: costs no thread
        held.append(conn)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn, mode, ctx), daemon=True).start()


if __name__ == "__main__":
    main()
