#!/usr/bin/python3
"""
ntag424_card.py - a virtual NTAG 424 DNA for the vpcd reader of the lab (issue 12).

It reuses the vicc plumbing of the lab's virtual_card.py (../shared/lab, or $PINTU_LAB_DIR)
and answers, as the NT4H2421Gx datasheet and AN12196 say:
  FF CA 00 00 00                     the UID + 90 00 (the real UID: random ID off)
  00 A4 04 0C 07 D2760000850101 [00] ISO SELECT of the NTAG 424 DNA application
  90 71 00 00 02 KeyNo 00 00         AuthenticateEV2First, part 1: E(K, RndB) + 91 AF
  90 AF 00 00 20 <32> 00             part 2: checks RndB', answers
                                     E(K, TI || RndA' || PDcap2 || PCDcap2) + 91 00
  90 C4 00 00 29 KeyNo <32> <MAC> 00 ChangeKey in CommMode.Full (after key 0 auth)
Keys 0-4, AES-128, all zero from the factory. A card keeps its keys across removals for as
long as the daemon lives (so a badge personalised at the desk opens doors afterwards).

Control socket (one line per command, one line back), like virtual_card.py serve:
  insert <UID> [K0,K1,K2,K3,K4]   a genuine card (keys given, else the ones it has, else factory)
  clone <UID>                     same UID, no key: speaks the protocol with a key of its own
  replay <UID>                    same UID, no key: plays back the last genuine session of
                                  that UID recorded by this daemon (E(RndB) and the final answer)
  keys <UID>                      "OK K0,K1,K2,K3,K4" (what the card holds now)
  remove | status | quit
Every mode also counts APDUs: `status` answers "present <UID> <mode> apdus=<n>" | "absent".
"""

import argparse
import os
import signal
import socket
import sys
import threading
import zlib

LAB = os.environ.get("PINTU_LAB_DIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                       "..", "..", "..", "shared", "lab")
sys.path.insert(0, LAB)
import virtual_card as vc  # noqa: E402  (the lab's shims and vicc socket loop)

from Cryptodome.Cipher import AES  # noqa: E402
from Cryptodome.Hash import CMAC  # noqa: E402

# PC/SC Part 3 ATR of an ISO 14443-4 card (as pcscd builds it for a DESFire / NTAG 424 DNA).
ATR = bytes.fromhex("3B8180018080")
DF_NAME = bytes.fromhex("D2760000850101")
ZERO = bytes(16)

OK = b"\x90\x00"
S_OK = b"\x91\x00"
S_MORE = b"\x91\xAF"
S_AUTH_ERROR = b"\x91\xAE"
S_PERMISSION = b"\x91\x9D"
S_NO_KEY = b"\x91\x40"
S_INTEGRITY = b"\x91\x1E"
S_LENGTH = b"\x91\x7E"
NOT_FOUND = b"\x6A\x82"
INS_NOT_SUPPORTED = b"\x6D\x00"


def enc(key, data, iv=ZERO):
    return AES.new(key, AES.MODE_CBC, iv).encrypt(data)


def dec(key, data, iv=ZERO):
    return AES.new(key, AES.MODE_CBC, iv).decrypt(data)


def cmac(key, data):
    return CMAC.new(key, ciphermod=AES).update(data).digest()


def trunc(mac):
    return mac[1::2]


def rotl(b):
    return b[1:] + b[:1]


def crc32_desfire(data):
    return ((~zlib.crc32(data)) & 0xFFFFFFFF).to_bytes(4, "little")


class Ntag424OS(vc.SmartcardOS):
    """mode: 'genuine' (keys of `chip`), 'clone' (a key of its own), 'replay' (plays back)."""

    def __init__(self, uid, chip, mode, recorded):
        self.uid = uid
        self.chip = chip            # {"keys": [bytes]*5, "last": (encRndB, answer) | None}
        self.mode = mode
        self.recorded = recorded
        self.apdu_count = 0
        self.selected = False
        self.pending = None         # (keyNo, key, RndB) between the two auth steps
        self.session = None         # {"key_no", "ti", "enc", "mac", "ctr"}
        self.clone_key = os.urandom(16)

    def getATR(self):
        return ATR

    def execute(self, msg):
        self.apdu_count += 1
        try:
            return self._execute(bytes(msg))
        except Exception as e:  # a malformed APDU: answer like a card, never crash the loop
            sys.stderr.write("ntag424_card: %r\n" % e)
            return S_LENGTH

    def key(self, n):
        return self.clone_key if self.mode != "genuine" else self.chip["keys"][n]

    def _execute(self, m):
        if m[:2] == b"\xFF\xCA":
            return self.uid + OK if m[2] == 0 else b"\x6A\x81"
        if m[:4] == b"\x00\xA4\x04\x0C" or m[:4] == b"\x00\xA4\x04\x00":
            self.selected = m[5:5 + m[4]] == DF_NAME
            self.session = None
            self.pending = None
            return OK if self.selected else NOT_FOUND
        if m[0] != 0x90:
            return INS_NOT_SUPPORTED
        if not self.selected:
            return S_PERMISSION
        ins = m[1]
        data = m[5:5 + m[4]] if len(m) > 5 else b""
        if ins == 0x71:
            return self.auth1(data)
        if ins == 0xAF and self.pending is not None:
            return self.auth2(data)
        if ins == 0xC4:
            return self.change_key(data)
        return b"\x91\x1C"  # illegal command code

    def auth1(self, data):
        self.session = None
        if len(data) < 2:
            return S_LENGTH
        key_no = data[0]
        if key_no > 4:
            return S_NO_KEY
        if self.mode == "replay":
            if self.recorded.get("last") is None:
                return S_AUTH_ERROR
            self.pending = (key_no, None, None)
            return self.recorded["last"][0] + S_MORE
        rnd_b = os.urandom(16)
        k = self.key(key_no)
        self.pending = (key_no, k, rnd_b)
        e = enc(k, rnd_b)
        self.last_enc_rnd_b = e
        return e + S_MORE

    def auth2(self, data):
        key_no, k, rnd_b = self.pending
        self.pending = None
        if len(data) != 32:
            return S_LENGTH
        if self.mode == "replay":
            return self.recorded["last"][1] + S_OK
        plain = dec(k, data)
        rnd_a, rnd_b_rot = plain[:16], plain[16:]
        if rnd_b_rot != rotl(rnd_b):
            return S_AUTH_ERROR
        ti = os.urandom(4)
        answer = enc(k, ti + rotl(rnd_a) + bytes(12))
        mixed = bytes(a ^ b for a, b in zip(rnd_a[2:8], rnd_b[0:6]))
        tail = rnd_a[0:2] + mixed + rnd_b[6:16] + rnd_a[8:16]
        self.session = {
            "key_no": key_no,
            "ti": ti,
            "enc": cmac(k, bytes.fromhex("A55A00010080") + tail),
            "mac": cmac(k, bytes.fromhex("5AA500010080") + tail),
            "ctr": 0,
        }
        if self.mode == "genuine":
            self.recorded["last"] = (self.last_enc_rnd_b, answer)  # what an eavesdropper keeps
        return answer + S_OK

    def change_key(self, data):
        s = self.session
        if s is None or s["key_no"] != 0:
            return S_PERMISSION
        if len(data) != 1 + 32 + 8:
            return S_LENGTH
        key_no, body, mac = data[0], data[1:33], data[33:]
        ctr = s["ctr"].to_bytes(2, "little")
        if trunc(cmac(s["mac"], b"\xC4" + ctr + s["ti"] + bytes([key_no]) + body)) != mac:
            self.session = None
            return S_INTEGRITY
        iv = enc(s["enc"], b"\xA5\x5A" + s["ti"] + ctr + bytes(8))
        plain = dec(s["enc"], body, iv)
        keys = self.chip["keys"]
        if key_no == s["key_no"]:
            keys[key_no] = plain[:16]
            self.session = None  # the card ends the session: the key it was opened with is gone
            return S_OK
        if key_no > 4:
            return S_NO_KEY
        new = bytes(a ^ b for a, b in zip(plain[:16], keys[key_no]))
        if crc32_desfire(new) != plain[17:21]:
            return S_INTEGRITY
        keys[key_no] = new
        s["ctr"] += 1
        rmac = trunc(cmac(s["mac"], b"\x00" + s["ctr"].to_bytes(2, "little") + s["ti"]))
        return rmac + S_OK


class Card:
    def __init__(self, uid, card_os, host, port):
        self.uid = uid
        self.os = card_os
        self.vicc = vc.UidVICC(card_os, host, port)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.vicc.run()
        except BaseException:
            pass

    def remove(self):
        self.vicc.shutdown()
        self.thread.join(timeout=2)
        self.vicc.sock.close()


def serve(args):
    if os.path.exists(args.control):
        os.unlink(args.control)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(args.control)
    srv.listen(4)
    chips = {}   # UID -> {"keys": [...], "last": ...}: the genuine cards, across insertions
    state = {"card": None}
    lock = threading.Lock()

    def chip(uid):
        return chips.setdefault(uid, {"keys": [ZERO] * 5, "last": None})

    def handle(line):
        parts = line.split()
        if not parts:
            return "ERR empty command"
        cmd = parts[0].lower()
        with lock:
            card = state["card"]
            if card is not None and not card.thread.is_alive():
                state["card"] = card = None
            if cmd in ("insert", "clone", "replay"):
                if len(parts) < 2:
                    return "ERR usage: %s <UIDHEX>" % cmd
                uid = vc.parse_hex(parts[1], "uid")
                c = chip(uid)
                if cmd == "insert" and len(parts) > 2:
                    keys = [vc.parse_hex(k, "key") for k in parts[2].split(",")]
                    if len(keys) != 5 or any(len(k) != 16 for k in keys):
                        return "ERR five 16-byte keys, comma-separated"
                    c["keys"] = keys
                if card is not None:
                    card.remove()
                    state["card"] = None
                mode = {"insert": "genuine", "clone": "clone", "replay": "replay"}[cmd]
                state["card"] = Card(uid, Ntag424OS(uid, c, mode, c), args.host, args.port)
                return "OK inserted %s %s" % (uid.hex().upper(), mode)
            if cmd == "keys":
                if len(parts) < 2:
                    return "ERR usage: keys <UIDHEX>"
                keys = chip(vc.parse_hex(parts[1], "uid"))["keys"]
                return "OK " + ",".join(k.hex().upper() for k in keys)
            if cmd == "remove":
                if card is None:
                    return "OK absent"
                card.remove()
                state["card"] = None
                return "OK removed"
            if cmd == "status":
                if card is None:
                    return "absent"
                return "present %s %s apdus=%d" % (card.uid.hex().upper(), card.os.mode, card.os.apdu_count)
            if cmd == "quit":
                if card is not None:
                    card.remove()
                state["card"] = None
                return "OK bye"
            return "ERR unknown command %r" % cmd

    def client(conn):
        with conn, conn.makefile("rw", encoding="ascii", newline="\n") as f:
            for line in f:
                try:
                    answer = handle(line.strip())
                except Exception as e:
                    answer = "ERR %s" % e
                f.write(answer + "\n")
                f.flush()
                if answer == "OK bye":
                    try:
                        os.unlink(args.control)
                    except OSError:
                        pass
                    os._exit(0)

    def on_signal(*_):
        with lock:
            if state["card"] is not None:
                state["card"].remove()
        try:
            os.unlink(args.control)
        except OSError:
            pass
        os._exit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print("listening on %s" % args.control, flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=client, args=(conn,), daemon=True).start()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=35963, help="vpcd port (35963: 'Virtual PCD 00 00')")
    p.add_argument("--control", default="/tmp/ntag424.sock")
    serve(p.parse_args())


if __name__ == "__main__":
    main()
