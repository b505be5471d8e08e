#!/usr/bin/env python3
"""Fidelity check: the real simple-salesforce client against the emulator.

Usage: simple_salesforce_check.py INSTANCE_URL CLIENT_ID CLIENT_SECRET USERNAME PASSWORD SECURITY_TOKEN

simple-salesforce builds every URL as https://{host}/..., and its logins
post to https://{domain}.salesforce.com. The emulator speaks plain HTTP on
loopback, so the one thing this script adds is a requests.Session that
rewrites those URLs to the emulator (scheme and host only). Everything
else -- paths, headers, bodies, status handling, result parsing -- is
simple-salesforce's own code, unchanged.

Exits non-zero with a message on the first mismatch.
"""

import csv
import io
import json
import os
import sys
import tempfile
import time
from urllib.parse import urlparse

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

INSTANCE_URL, CLIENT_ID, CLIENT_SECRET, USERNAME, PASSWORD, TOKEN = sys.argv[1:7]
EMULATOR = urlparse(INSTANCE_URL)


class LoopbackSession(requests.Session):
    """Sends https://<anything>.salesforce.com and https://<emulator host>
    to the emulator over http."""

    def request(self, method, url, *args, **kwargs):
        parsed = urlparse(url)
        if parsed.hostname and (
            parsed.hostname.endswith("salesforce.com") or parsed.hostname == EMULATOR.hostname
        ):
            url = parsed._replace(scheme="http", netloc=EMULATOR.netloc).geturl()
        return super().request(method, url, *args, **kwargs)


def check(condition, message):
    if not condition:
        print(f"MISMATCH: {message}", file=sys.stderr)
        sys.exit(1)


def step(name):
    print(f"-- {name}", flush=True)


# 1. OAuth client credentials, then a direct session.
step("client_credentials token + Salesforce(instance_url, session_id)")
resp = requests.post(
    f"{INSTANCE_URL}/services/oauth2/token",
    data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
)
check(resp.status_code == 200, f"token endpoint answered {resp.status_code}: {resp.text}")
token = resp.json()
for key in ["access_token", "instance_url", "id", "token_type", "issued_at", "signature"]:
    check(key in token, f"token response lacks {key}: {token}")
bad = requests.post(
    f"{INSTANCE_URL}/services/oauth2/token",
    data={"grant_type": "password", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
          "username": USERNAME, "password": "wrong"},
)
check(bad.status_code == 400 and bad.json().get("error") == "invalid_grant", f"bad password: {bad.text}")

session = LoopbackSession()
sf = Salesforce(instance_url=token["instance_url"], session_id=token["access_token"], session=session)
check(sf.sf_instance == EMULATOR.netloc, f"sf_instance {sf.sf_instance}")

# 2. The other login paths simple-salesforce has.
step("SOAP login (username, password, security_token)")
sf_soap = Salesforce(username=USERNAME, password=PASSWORD, security_token=TOKEN, session=LoopbackSession())
check(sf_soap.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1, "SOAP session cannot query")
try:
    Salesforce(username=USERNAME, password="wrong", security_token=TOKEN, session=LoopbackSession())
    check(False, "a wrong SOAP password logged in")
except SalesforceAuthenticationFailed as e:
    check(e.code == "INVALID_LOGIN", f"SOAP fault code {e.code}")

step("OAuth password grant (consumer_key + consumer_secret)")
sf_pw = Salesforce(username=USERNAME, password=PASSWORD + TOKEN, consumer_key=CLIENT_ID,
                   consumer_secret=CLIENT_SECRET, session=LoopbackSession())
check(sf_pw.query("SELECT COUNT() FROM User")["totalSize"] >= 1, "password-grant session cannot query")

step("OAuth client credentials via simple-salesforce (custom domain)")
sf_cc = Salesforce(consumer_key=CLIENT_ID, consumer_secret=CLIENT_SECRET, domain="deskshift-demo.my",
                   session=LoopbackSession())
check(sf_cc.limits()["DailyApiRequests"]["Max"] > 0, "client-credentials session cannot read limits")

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
except ImportError:  # pyjwt needs cryptography for RS256
    rsa = None
if rsa is not None:
    step("JWT bearer (consumer_key + privatekey)")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    sf_jwt = Salesforce(username=USERNAME, consumer_key=CLIENT_ID, privatekey=pem, session=LoopbackSession())
    check(sf_jwt.query("SELECT Id FROM Organization")["totalSize"] == 1, "JWT session cannot query")
    try:
        Salesforce(username="nobody@example.invalid", consumer_key=CLIENT_ID, privatekey=pem,
                   session=LoopbackSession())
        check(False, "a JWT for an unknown user logged in")
    except SalesforceAuthenticationFailed as e:
        check(e.code == "invalid_grant", f"JWT failure code {e.code}")

# 3. Describe.
step("describe")
global_describe = sf.describe()
names = {o["name"] for o in global_describe["sobjects"]}
for name in ["Case", "Contact", "Account", "EmailMessage", "CaseComment", "ContentVersion", "User"]:
    check(name in names, f"global describe lacks {name}")
case = sf.Case.describe()
fields = {f["name"]: f for f in case["fields"]}
check(fields["Status"]["type"] == "picklist", "Case.Status is not a picklist")
check([v["value"] for v in fields["Status"]["picklistValues"]] == ["New", "Working", "Escalated", "Closed"],
      f"Case.Status values {fields['Status']['picklistValues']}")
check(fields["ContactId"]["referenceTo"] == ["Contact"], "Case.ContactId referenceTo")
contact = {f["name"]: f for f in sf.Contact.describe()["fields"]}
check(not contact["LastName"]["nillable"] and contact["LastName"]["createable"], "Contact.LastName must be required")
check(sf.Contact.metadata()["objectDescribe"]["keyPrefix"] == "003", "Contact key prefix")

# 4. sObject create / get / update / upsert / delete.
step("sObject CRUD")
account = sf.Account.create({"Name": "Fidelity Inc"})
check(account["success"] and account["id"].startswith("001") and len(account["id"]) == 18, f"create: {account}")
created = sf.Contact.create({"FirstName": "Ada", "LastName": "Fidelity", "Email": "ada@fidelity.invalid",
                             "AccountId": account["id"]})
cid = created["id"]
got = sf.Contact.get(cid)
check(got["Name"] == "Ada Fidelity" and got["AccountId"] == account["id"], f"get: {got}")
check(got["attributes"]["type"] == "Contact", "attributes.type")
check(sf.Contact.get(cid[:15])["Id"] == cid, "15-character ids are accepted")
check(sf.Contact.update(cid, {"Title": "Engineer"}) == 204, "update must answer 204")
check(sf.Contact.get(cid)["Title"] == "Engineer", "update did not land")
check(sf.api_usage["api-usage"].used > 0, f"Sforce-Limit-Info not parsed: {sf.api_usage}")
try:
    sf.Contact.create({"FirstName": "NoLast"})
    check(False, "a contact without LastName was created")
except SalesforceMalformedRequest as e:
    check(e.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING", f"required: {e.content}")
    check(e.content[0]["message"] == "Required fields are missing: [LastName]", f"message: {e.content}")
try:
    sf.Case.create({"Subject": "x", "Status": "Bogus"})
    check(False, "a restricted picklist took a bad value")
except SalesforceMalformedRequest as e:
    check(e.content[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", f"picklist: {e.content}")
try:
    sf.Contact.get("003000000000000AAA")
    check(False, "an unknown id was found")
except SalesforceResourceNotFound as e:
    check(e.content[0]["errorCode"] == "NOT_FOUND", f"404: {e.content}")
check(sf.Contact.delete(cid) == 204, "delete must answer 204")
try:
    sf.Contact.get(cid)
    check(False, "a deleted record was still readable")
except SalesforceResourceNotFound:
    pass
deleted = sf.query_all(f"SELECT Id, IsDeleted FROM Contact WHERE Id = '{cid}'", include_deleted=True)
check(deleted["totalSize"] == 1 and deleted["records"][0]["IsDeleted"] is True, f"queryAll: {deleted}")

# 5. Query with paging: more rows than one page.
step("query_all over several pages")
rows = sf.bulk2.Account.insert(records=[{"Name": f"Paged {i:03d}"} for i in range(450)], wait=0.2)
check(rows[0]["numberRecordsProcessed"] == 450 and rows[0]["numberRecordsFailed"] == 0, f"bulk insert: {rows}")
first = sf.query("SELECT Id, Name FROM Account WHERE Name LIKE 'Paged%' ORDER BY Name")
check(first["done"] is False and "/query/01g" in first["nextRecordsUrl"], f"first page: {first.get('nextRecordsUrl')}")
everything = sf.query_all("SELECT Id, Name FROM Account WHERE Name LIKE 'Paged%' ORDER BY Name")
check(everything["totalSize"] == 450, f"query_all returned {everything['totalSize']}")
names = [r["Name"] for r in everything["records"]]
check(names == sorted(names) and len(set(names)) == 450, "query_all rows are not the ordered set")
count = sf.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Paged%'")
check(count["totalSize"] == 450 and count["records"] == [], f"COUNT(): {count}")
try:
    sf.query("SELECT Nope__c FROM Account")
    check(False, "an unknown column was queried")
except SalesforceMalformedRequest as e:
    check(e.content[0]["errorCode"] == "INVALID_FIELD", f"unknown column: {e.content}")
try:
    sf.query("SELEKT Id FROM Account")
    check(False, "a malformed query ran")
except SalesforceMalformedRequest as e:
    check(e.content[0]["errorCode"] == "MALFORMED_QUERY", f"malformed: {e.content}")

# 6. Bulk 2.0 insert from a CSV file, with successful and failed results.
step("bulk2 insert with results")
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "contacts.csv")
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["FirstName", "LastName", "Email"])
        for i in range(20):
            writer.writerow([f"Bulk{i}", f"Person{i}", f"bulk{i}@fidelity.invalid"])
        writer.writerow(["Missing", "", "missing@fidelity.invalid"])
        writer.writerow(["Bad", "Email", "not-an-email"])
    results = sf.bulk2.Contact.insert(csv_file=path, wait=0.2)
check(len(results) == 1, f"one job expected: {results}")
job = results[0]
check(job["numberRecordsProcessed"] == 22 and job["numberRecordsFailed"] == 2, f"job counts: {job}")
ok_rows = list(csv.DictReader(io.StringIO(sf.bulk2.Contact.get_successful_records(job["job_id"]))))
bad_rows = list(csv.DictReader(io.StringIO(sf.bulk2.Contact.get_failed_records(job["job_id"]))))
check(len(ok_rows) == 20 and all(r["sf__Id"].startswith("003") and r["sf__Created"] == "true" for r in ok_rows),
      f"successful results: {ok_rows[:2]}")
check([r["FirstName"] for r in ok_rows] != [f"Bulk{i}" for i in range(20)], "results came back in input order")
check(len(bad_rows) == 2, f"failed results: {bad_rows}")
errors = sorted(r["sf__Error"].split(":")[0] for r in bad_rows)
check(errors == ["INVALID_EMAIL_ADDRESS", "REQUIRED_FIELD_MISSING"], f"failed result codes: {errors}")
unprocessed = sf.bulk2.Contact.get_unprocessed_records(job["job_id"])
check(unprocessed.strip().splitlines()[0] == '"FirstName","LastName","Email"', f"unprocessed: {unprocessed!r}")
loaded = sf.query("SELECT COUNT() FROM Contact WHERE Email LIKE 'bulk%@fidelity.invalid'")
check(loaded["totalSize"] == 20, f"bulk rows in the org: {loaded['totalSize']}")

# 7. Limits and the limit header.
step("limits")
limits = sf.limits()
check(limits["DailyApiRequests"]["Remaining"] < limits["DailyApiRequests"]["Max"], f"limits: {limits['DailyApiRequests']}")

print(json.dumps({"ok": True, "api_usage": sf.api_usage["api-usage"].used}))
