#!/usr/bin/env python3
"""The reference loader of the Salesforce benchmark: simple-salesforce's
Bulk API 2.0 insert, fed the very CSVs deskshift's migration sent.

Usage: simple_salesforce_load.py INSTANCE_URL CLIENT_ID CLIENT_SECRET JOBS_JSON

JOBS_JSON lists {"object", "operation", "csv"} (a file path) in load order.
Prints one JSON line: {"seconds", "rows", "failed"}. The only thing added to
simple-salesforce is a requests.Session that sends its https:// URLs to the
emulator over plain http on loopback.
"""

import csv
import json
import sys
import time
from urllib.parse import urlparse

import requests
from simple_salesforce import Salesforce

INSTANCE_URL, CLIENT_ID, CLIENT_SECRET, JOBS = sys.argv[1:5]
EMULATOR = urlparse(INSTANCE_URL)


class LoopbackSession(requests.Session):
    def request(self, method, url, *args, **kwargs):
        parsed = urlparse(url)
        if parsed.hostname and (
            parsed.hostname.endswith("salesforce.com") or parsed.hostname == EMULATOR.hostname
        ):
            url = parsed._replace(scheme="http", netloc=EMULATOR.netloc).geturl()
        return super().request(method, url, *args, **kwargs)


token = requests.post(
    f"{INSTANCE_URL}/services/oauth2/token",
    data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
).json()
sf = Salesforce(instance_url=token["instance_url"], session_id=token["access_token"],
                session=LoopbackSession())

jobs = json.load(open(JOBS))
rows = failed = 0
started = time.monotonic()
for job in jobs:
    handler = getattr(sf.bulk2, job["object"])
    if job["operation"] != "insert":
        raise SystemExit(f"unexpected operation {job['operation']}")
    for result in handler.insert(csv_file=job["csv"], wait=0.05):
        rows += int(result["numberRecordsProcessed"])
        failed += int(result["numberRecordsFailed"])
print(json.dumps({"seconds": time.monotonic() - started, "rows": rows, "failed": failed}))
