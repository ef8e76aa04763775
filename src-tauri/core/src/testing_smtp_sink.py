#!/usr/bin/env python3
"""A real SMTP server on loopback for the tests (aiosmtpd): every message it accepts is written to DIR as
<n>.json with the envelope and the raw message. With --auth USER:PASS it requires that login (AUTH PLAIN/LOGIN
over the plain connection, as a local relay would). Prints "ready" once listening."""
import argparse, json, os, sys, time, itertools
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--dir", required=True)
parser.add_argument("--auth")
args = parser.parse_args()
counter = itertools.count(1)


class Sink:
    async def handle_DATA(self, server, session, envelope):
        n = next(counter)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
        }
        tmp = os.path.join(args.dir, f".{n}.tmp")
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(args.dir, f"{n}.json"))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    user, password = args.auth.split(":", 1)
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
    # handled=False on failure: aiosmtpd then answers 535 itself (handled=True would leave the client waiting).
    return AuthResult(success=True, handled=True, auth_data=auth_data) if ok else AuthResult(success=False, handled=False)


kwargs = {}
if args.auth:
    kwargs = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
controller = Controller(Sink(), hostname="127.0.0.1", port=args.port, **kwargs)
controller.start()
print("ready", flush=True)
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    pass
finally:
    controller.stop()
