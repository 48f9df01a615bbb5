"""The emulator's cheaper transaction rollback must still roll back exactly what a transaction wrote,
and an item a write answers is the item as that write left it (not the live item a later write changes)."""

from __future__ import annotations

import pytest


@pytest.fixture()
def table(aws_mock):
    from chalicelib.core import aws

    aws_mock.reset()
    client = aws.client("dynamodb")
    client.create_table(TableName="txn-check", BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    for n in range(50):
        client.put_item(TableName="txn-check", Item={"pk": {"S": f"k{n}"}, "n": {"N": "0"}})
    return client


def _items(client) -> dict[str, str]:
    return {i["pk"]["S"]: i["n"]["N"] for i in client.scan(TableName="txn-check")["Items"]}


def test_failed_transaction_leaves_every_item_as_it_was(table):
    before = _items(table)
    with pytest.raises(table.exceptions.TransactionCanceledException):
        table.transact_write_items(TransactItems=[
            {"Update": {"TableName": "txn-check", "Key": {"pk": {"S": "k1"}}, "UpdateExpression": "SET n = :v",
                        "ExpressionAttributeValues": {":v": {"N": "7"}}}},
            {"Put": {"TableName": "txn-check", "Item": {"pk": {"S": "new"}, "n": {"N": "1"}}}},
            {"Delete": {"TableName": "txn-check", "Key": {"pk": {"S": "k2"}}}},
            {"Put": {"TableName": "txn-check", "Item": {"pk": {"S": "k3"}, "n": {"N": "9"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    assert _items(table) == before


def test_successful_transaction_applies_every_write(table):
    table.transact_write_items(TransactItems=[
        {"Update": {"TableName": "txn-check", "Key": {"pk": {"S": "k1"}}, "UpdateExpression": "SET n = :v",
                    "ExpressionAttributeValues": {":v": {"N": "7"}}}},
        {"Put": {"TableName": "txn-check", "Item": {"pk": {"S": "new"}, "n": {"N": "1"}},
                 "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Delete": {"TableName": "txn-check", "Key": {"pk": {"S": "k2"}}}},
    ])
    items = _items(table)
    assert items["k1"] == "7" and items["new"] == "1" and "k2" not in items and len(items) == 50


def test_the_shim_is_installed_for_the_tests():
    import moto.dynamodb.models as models

    from local import moto_fixes

    assert isinstance(models.copy, moto_fixes._CopyShim)


def test_a_transaction_backs_up_each_table_once_whatever_its_size(table, monkeypatch):
    from local import moto_fixes

    snapshots: list[str] = []
    original = moto_fixes._snapshot
    monkeypatch.setattr(moto_fixes, "_snapshot", lambda t, keys: snapshots.append(t.name) or original(t, keys))
    table.transact_write_items(TransactItems=[
        {"Put": {"TableName": "txn-check", "Item": {"pk": {"S": f"new{n}"}, "n": {"N": "1"}},
                 "ConditionExpression": "attribute_not_exists(pk)"}} for n in range(40)])
    assert snapshots == ["txn-check"]  # moto asked 40 times; one copy of the table is enough
    assert len(_items(table)) == 90


def test_a_condition_in_a_transaction_still_decides(table):
    with pytest.raises(table.exceptions.TransactionCanceledException):
        table.transact_write_items(TransactItems=[
            {"Update": {"TableName": "txn-check", "Key": {"pk": {"S": "k1"}}, "UpdateExpression": "SET n = :v",
                        "ConditionExpression": "n = :old",
                        "ExpressionAttributeValues": {":v": {"N": "7"}, ":old": {"N": "5"}}}}])
    table.transact_write_items(TransactItems=[
        {"Update": {"TableName": "txn-check", "Key": {"pk": {"S": "k1"}}, "UpdateExpression": "SET n = :v",
                    "ConditionExpression": "n = :old",
                    "ExpressionAttributeValues": {":v": {"N": "7"}, ":old": {"N": "0"}}}}])
    assert _items(table)["k1"] == "7"


def test_an_update_answers_the_item_as_it_left_it(table):
    """moto serialises its answer after the lock is released: a live item let two concurrent counter
    ADDs both answer the second value (tests/core/test_db.py's duplicate id under load)."""
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends["123456789012"]["us-east-1"]
    add = {"update_expression": "ADD n :one", "attribute_updates": None, "expression_attribute_names": {},
           "expression_attribute_values": {":one": {"N": "1"}}, "expected": None, "condition_expression": None}
    first = backend.update_item("txn-check", {"pk": {"S": "k1"}}, **add)
    backend.update_item("txn-check", {"pk": {"S": "k1"}}, **add)
    assert first.to_json()["Attributes"]["n"] == {"N": "1"}
    assert _items(table)["k1"] == "2"


def test_a_condition_lexed_once_is_still_decided_on_each_items_own_values(table):
    condition = "attribute_not_exists(pk) OR n = :n"
    for expected, outcome in (("0", True), ("5", False), ("0", True)):
        request = {"TableName": "txn-check", "Item": {"pk": {"S": "k4"}, "n": {"N": "0"}},
                   "ConditionExpression": condition, "ExpressionAttributeValues": {":n": {"N": expected}}}
        if outcome:
            table.transact_write_items(TransactItems=[{"Put": request}])
        else:
            with pytest.raises(table.exceptions.TransactionCanceledException):
                table.transact_write_items(TransactItems=[{"Put": request}])
    with pytest.raises((ValueError, table.exceptions.ClientError)):  # moto raises what it cannot parse
        table.put_item(TableName="txn-check", Item={"pk": {"S": "k5"}}, ConditionExpression="n = = :n",
                       ExpressionAttributeValues={":n": {"N": "1"}})


def test_the_condition_lexer_is_memoised():
    from moto.dynamodb.comparisons import ConditionExpressionParser

    assert ConditionExpressionParser._lex_condition_expression.__module__ == "local.moto_fixes"


def test_the_request_check_is_memoised_and_still_refuses_what_does_not_parse(table):
    import moto.dynamodb.responses as responses

    assert responses.create_condition_expression_parser.__module__ == "local.moto_fixes"
    for _ in range(2):  # the second time from the memo: the same answers
        with pytest.raises(table.exceptions.ClientError, match="ValidationException"):
            table.scan(TableName="txn-check", FilterExpression="n = = :n", ExpressionAttributeValues={":n": {"N": "1"}})
        with pytest.raises(table.exceptions.ClientError, match="ValidationException"):  # a declared name unused
            table.put_item(TableName="txn-check", Item={"pk": {"S": "k6"}},
                           ConditionExpression="attribute_not_exists(pk)", ExpressionAttributeNames={"#unused": "n"})
    assert len(table.scan(TableName="txn-check", FilterExpression="n = :n",
                          ExpressionAttributeValues={":n": {"N": "0"}})["Items"]) == 50


def test_a_rolled_back_transaction_on_a_range_key_table_leaves_it_as_it_was(aws_mock):
    from chalicelib.core import aws

    client = aws.client("dynamodb")
    client.create_table(TableName="txn-range", BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                              {"AttributeName": "sk", "AttributeType": "N"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                   {"AttributeName": "sk", "KeyType": "RANGE"}])
    client.put_item(TableName="txn-range", Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "n": {"N": "0"}})

    def items() -> list[tuple[str, str, str]]:
        return sorted((i["pk"]["S"], i["sk"]["N"], i["n"]["N"]) for i in client.scan(TableName="txn-range")["Items"])

    before = items()
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(TransactItems=[
            {"Update": {"TableName": "txn-range", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
                        "UpdateExpression": "SET n = :v", "ExpressionAttributeValues": {":v": {"N": "7"}}}},
            {"Put": {"TableName": "txn-range", "Item": {"pk": {"S": "a"}, "sk": {"N": "2"}, "n": {"N": "1"}}}},
            {"Put": {"TableName": "txn-range", "Item": {"pk": {"S": "b"}, "sk": {"N": "1"}, "n": {"N": "1"}}}},
            {"ConditionCheck": {"TableName": "txn-range", "Key": {"pk": {"S": "z"}, "sk": {"N": "1"}},
                                "ConditionExpression": "attribute_exists(pk)"}},
        ])
    assert items() == before
    assert client.query(TableName="txn-range", KeyConditionExpression="pk = :b",
                        ExpressionAttributeValues={":b": {"S": "b"}})["Items"] == []
    client.transact_write_items(TransactItems=[  # the table still takes writes as usual
        {"Put": {"TableName": "txn-range", "Item": {"pk": {"S": "b"}, "sk": {"N": "1"}, "n": {"N": "5"}}}}])
    assert items() == [*before, ("b", "1", "5")]
    client.delete_table(TableName="txn-range")
