"""Leads' IAM policies keep in step with its code: every AWS call the API and the assignment worker
make while they log in, manage users, change statuses and assign leads (at once, and over 100 through
the queue) is allowed by the function's committed policy (infra/policy.py, as written to .chalice/).
The recorder and the matching are tests/infra/test_policy_calls.py's."""

from __future__ import annotations

import json

from infra.policy import functions, policy_document
from tests.infra.test_policy_calls import allowed, as_function, recorder  # noqa: F401 - recorder is a fixture
from tests.leads.conftest import PASSWORD, new_leads


def test_the_api_and_the_assignment_worker_are_allowed_every_call_they_make(world, client, recorder):  # noqa: F811
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings, using_settings

    app = world.app
    leads = new_leads(world, 101)
    aws.reset_clients()  # a cold Lambda: no client built, no queue URL looked up yet
    with using_settings(app.crm_product.settings):
        settings = get_settings()
    with as_function("api_handler"):
        login = world.http.post("/login/", {"username": "manager", "password": PASSWORD}, expect=200).json_body
        manager = world.http.as_(login["access"])
        fresh = world.http.post("/token/refresh/", {"refresh": login["refresh"]}, expect=200).json_body
        manager.post("/users/", {"username": "policy1", "password": "An0ther-Pass!"}, expect=201)
        manager.get("/users/", expect=200)
        manager.get("/customers/?search=fresh", expect=200)
        manager.post(f"/customers/{leads[0]}/assign/", {"sales_user": world.users["sales"].id}, expect=200)
        manager.post(f"/customers/{leads[0]}/update-status/", {"status": "VALID", "notes": "ok"}, expect=200)
        manager.get(f"/customers/{leads[0]}/", expect=200)
        manager.post("/customers/random-assign/", {"customer_ids": leads[1:3]}, expect=200)
        started = manager.post("/customers/random-assign/", {"customer_ids": leads}, expect=202).json_body
        manager.get(f"/jobs/{started['job_id']}/", expect=200)
        manager.post("/logout/", {"refresh": fresh["refresh"]}, expect=200)
    with using_settings(app.crm_product.settings):  # what the event source mapping polls (AWS's calls, not the code's)
        queue = aws.sqs().get_queue_url(QueueName=settings.queue_name("assignment"))["QueueUrl"]
        message = aws.sqs().receive_message(QueueUrl=queue, MessageAttributeNames=["All"])["Messages"][0]
    with as_function("assignment_worker"):
        record = {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
                  "body": message["Body"], "attributes": {"ApproximateReceiveCount": "1"},
                  "messageAttributes": {}, "eventSource": "aws:sqs",
                  "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{settings.queue_name('assignment')}"}
        assert client.lambda_.invoke("assignment_worker", {"Records": [record]}).payload == {"batchItemFailures": []}
    assert json.dumps(world.client("manager").get(f"/jobs/{started['job_id']}/", expect=200).json_body["status"]) \
        == '"complete"'

    with using_settings(app.crm_product.settings):
        fns = {function.name: function for function in functions(app)}
        denied = sorted({(label, action, arn) for label, action, arn in recorder
                         if not allowed(policy_document(fns[label], settings), action, arn, settings)})
    assert denied == [], denied
    assert {label for label, _, _ in recorder} == {"api_handler", "assignment_worker"}
