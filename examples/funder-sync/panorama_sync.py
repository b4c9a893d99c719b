#!/usr/bin/env python3
"""A funder's sync client for Panorama, in plain Python (standard library only).

Two jobs a funder's grants system runs every night:

  mirror       keep a local copy of the registry's organisations, projects and grants,
               following the change feed from where the last run stopped;
  push-grants  send the funder's grants (a CSV export of its grants system) to Panorama,
               with the grantees, by the funder's own ids.

Configuration comes from the environment:

  PANORAMA_URL            e.g. http://127.0.0.1:8080
  PANORAMA_CLIENT_ID      the partner's API client (panorama partner add-client …)
  PANORAMA_CLIENT_SECRET

Usage:

  panorama_sync.py mirror --state ./mirror-state
  panorama_sync.py push-grants --file grants.csv
"""

import argparse
import base64
import csv
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

TYPES = ["ORGANISATION", "PROJECT", "GRANT"]
BATCH = 500  # the most records one upsert call takes
PAGE = 100  # the largest page of a listing, and the most ids `nodes` takes
RETRIES = 4

# What the mirror keeps of each type, by listing and by GraphQL type.
FIELDS = {
    "organisations": ("Organisation", "id version name place { country }"),
    "projects": ("Project", "id version title"),
    "grants": (
        "Grant",
        "id version title amountAwarded { amount currency } recipientOrganisation { id }",
    ),
}
NODE_FIELDS = " ".join(f"... on {kind} {{ {fields} }}" for kind, fields in FIELDS.values())


class Panorama:
    """A GraphQL client with a client-credentials token."""

    def __init__(self, url, client_id, client_secret):
        self.url = url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.token = None

    def _token(self):
        if self.token is None:
            basic = base64.b64encode(
                f"{self.client_id}:{self.client_secret}".encode()
            ).decode()
            request = urllib.request.Request(
                self.url + "/oauth/token",
                data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
                headers={"authorization": "Basic " + basic},
            )
            with urllib.request.urlopen(request) as response:
                self.token = json.load(response)["access_token"]
        return self.token

    def query(self, query, variables=None, write=False):
        """The `data` of a GraphQL request; GraphQL errors raise, with their codes.

        A write carries an Idempotency-Key, one per call: if the connection drops before the
        answer arrives, the retry (same key, same body) gets the first answer and writes nothing
        twice. A later run sends new keys, so its batches are applied (or reported UNCHANGED)."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        headers = {
            "content-type": "application/json",
            "authorization": "Bearer " + self._token(),
        }
        if write:
            headers["idempotency-key"] = str(uuid.uuid4())
        request = urllib.request.Request(self.url + "/graphql", data=body, headers=headers)
        for attempt in range(RETRIES):
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    answer = json.load(response)
                break
            except urllib.error.HTTPError as error:
                if error.code < 500 or attempt == RETRIES - 1:
                    answer = json.load(error)
                    break
            except (urllib.error.URLError, TimeoutError):
                if attempt == RETRIES - 1:
                    raise
            time.sleep(2**attempt)
        if answer.get("errors"):
            codes = [e.get("extensions", {}).get("code") for e in answer["errors"]]
            raise RuntimeError(f"GraphQL errors {codes}: {answer['errors'][0]['message']}")
        return answer["data"]


# --- mirror -----------------------------------------------------------------------------------


def load_state(directory):
    path = os.path.join(directory, "mirror.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def save_state(directory, state):
    """Writes the mirror and its cursor together, atomically: a run that dies half-way leaves
    the last complete state, and the next run resumes from its cursor."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "mirror.json")
    with open(path + ".tmp", "w") as f:
        json.dump(state, f, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)


def snapshot(api):
    """A first copy: note the feed's head, then copy every listing. Whatever changes during the
    copy comes after the head in the feed, so following it from there misses nothing."""
    head = api.query("{ changes(first: 1) { headCursor } }")["changes"]["headCursor"]
    records = {}
    for listing, (_, fields) in FIELDS.items():
        after = None
        while True:
            data = api.query(
                f"query($after: String) {{ {listing}(first: {PAGE}, after: $after) {{"
                f" pageInfo {{ hasNextPage endCursor }} nodes {{ {fields} }} }} }}",
                {"after": after},
            )[listing]
            for node in data["nodes"]:
                records[node["id"]] = node
            if not data["pageInfo"]["hasNextPage"]:
                break
            after = data["pageInfo"]["endCursor"]
    return {"cursor": head, "records": records}


def follow(api, state):
    """Applies the feed after the state's cursor, a page at a time; returns the events seen."""
    seen = 0
    while True:
        feed = api.query(
            "query($after: String, $types: [RecordType!]) {"
            " changes(after: $after, first: 200, types: $types) {"
            "  pageInfo { hasNextPage endCursor }"
            "  nodes { recordId operation version survivorId } } }",
            {"after": state["cursor"], "types": TYPES},
        )["changes"]
        events = feed["nodes"]
        if not events:
            return seen
        apply(api, state["records"], events)
        state["cursor"] = feed["pageInfo"]["endCursor"]
        seen += len(events)
        if not feed["pageInfo"]["hasNextPage"]:
            return seen


def apply(api, records, events):
    """UPSERT: fetch the record as it is now (in batches); DELETE and MERGE: drop it."""
    wanted = []
    for event in events:
        if event["operation"] == "UPSERT":
            wanted.append(event["recordId"])
        else:
            records.pop(event["recordId"], None)
    wanted = list(dict.fromkeys(wanted))
    for start in range(0, len(wanted), PAGE):
        ids = wanted[start : start + PAGE]
        nodes = api.query(
            f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ {NODE_FIELDS} }} }}", {"ids": ids}
        )["nodes"]
        for record_id, node in zip(ids, nodes):
            if node is None:
                # Gone again since the event (a later DELETE will follow): nothing to keep.
                records.pop(record_id, None)
            else:
                records[record_id] = node


def mirror(api, directory):
    state = load_state(directory)
    if state is None:
        state = snapshot(api)
        print(f"snapshot: {len(state['records'])} records")
    try:
        seen = follow(api, state)
    except RuntimeError as error:
        if "CURSOR_EXPIRED" not in str(error):
            raise
        # Away longer than the feed keeps events: copy the registry again.
        state = snapshot(api)
        seen = follow(api, state)
    save_state(directory, state)
    print(f"mirror: {seen} changes applied, {len(state['records'])} records")


# --- push-grants ------------------------------------------------------------------------------

UPSERT_ORGANISATIONS = """
mutation($records: [OrganisationUpsertInput!]!) {
  upsertOrganisations(input: { records: $records }) {
    results { externalId status userErrors { field message } }
    userErrors { field message } } }"""

UPSERT_GRANTS = """
mutation($records: [GrantUpsertInput!]!) {
  upsertGrants(input: { records: $records }) {
    results { externalId status userErrors { field message } }
    userErrors { field message } } }"""


def read_grants(path):
    """The grants system's CSV: one grant a row, with its grantee."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    grantees, grants = {}, []
    for row in rows:
        grantees[row["recipient_id"]] = {
            "externalId": row["recipient_id"],
            "name": row["recipient_name"],
            "country": row["recipient_country"] or None,
        }
        grants.append(
            {
                "externalId": row["grant_id"],
                "identifier": row["identifier"],
                "title": row["title"],
                "amountAwarded": {"amount": row["amount"], "currency": row["currency"]},
                "awardDate": row["award_date"],
                "recipientExternalId": row["recipient_id"],
            }
        )
    return list(grantees.values()), grants


def upsert(api, mutation, field, records):
    """Sends records in batches; returns the count per status and the failures."""
    counts, failures = {}, []
    for start in range(0, len(records), BATCH):
        batch = records[start : start + BATCH]
        payload = api.query(mutation, {"records": batch}, write=True)[field]
        if payload["userErrors"]:
            raise RuntimeError(f"{field} refused the batch: {payload['userErrors']}")
        for result in payload["results"]:
            counts[result["status"]] = counts.get(result["status"], 0) + 1
            if result["status"] == "FAILED":
                failures.append((result["externalId"], result["userErrors"]))
    return counts, failures


def push_grants(api, path):
    grantees, grants = read_grants(path)
    ok = True
    for field, mutation, records in [
        ("upsertOrganisations", UPSERT_ORGANISATIONS, grantees),
        ("upsertGrants", UPSERT_GRANTS, grants),
    ]:
        counts, failures = upsert(api, mutation, field, records)
        summary = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
        print(f"{field}: {summary}")
        for external_id, errors in failures:
            ok = False
            print(f"  {external_id}: {errors}", file=sys.stderr)
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    mirror_command = commands.add_parser("mirror", help="follow the change feed into a local copy")
    mirror_command.add_argument("--state", required=True, help="directory for mirror.json")
    push = commands.add_parser("push-grants", help="send the grants of a CSV file")
    push.add_argument("--file", required=True)
    args = parser.parse_args()
    try:
        api = Panorama(
            os.environ["PANORAMA_URL"],
            os.environ["PANORAMA_CLIENT_ID"],
            os.environ["PANORAMA_CLIENT_SECRET"],
        )
    except KeyError as missing:
        sys.exit(f"set {missing.args[0]} (see the top of this file)")
    if args.command == "mirror":
        mirror(api, args.state)
    elif not push_grants(api, args.file):
        sys.exit(1)


if __name__ == "__main__":
    main()
