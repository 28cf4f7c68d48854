"""Priorities stay exactly 1..n while admins edit the same policy or server at the same time."""

import random
import threading

import pytest
from django.db import connection

from authservers.services import authserver_create
from policies.models import AccessPolicy, PolicyRule
from policies.services import policy_create, policy_update, rule_create, rule_update

CC = ["client_credentials"]
ROUNDS = 12


def run_in_threads(*jobs) -> list[BaseException]:
    """Run each job in its own thread (its own database connection), started together; returns errors."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def worker(job):
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return errors


def priorities(queryset) -> list[int]:
    return list(queryset.order_by("priority").values_list("priority", flat=True))


@pytest.fixture
def server(transactional_db):
    return authserver_create(name="Orders API", audiences=["api://orders"])


@pytest.mark.django_db(transaction=True)
def test_concurrent_rule_inserts_and_moves_keep_priorities_1_to_n(server):
    policy = policy_create(server=server, name="Service apps")
    for n in range(4):
        rule_create(policy=policy, name=f"seed {n}", grant_types=CC)

    def editor(seed: int):
        def edit():
            chance = random.Random(seed)
            for n in range(ROUNDS):
                rule_create(policy=policy, name=f"editor {seed} rule {n}", grant_types=CC,
                            priority=chance.randint(1, 6))
                rules = list(PolicyRule.objects.filter(policy=policy))
                rule_update(rule=chance.choice(rules), priority=chance.randint(1, len(rules) + 2))
        return edit

    errors = run_in_threads(editor(1), editor(2), editor(3))

    assert errors == []
    expected_count = 4 + 3 * ROUNDS
    assert priorities(PolicyRule.objects.filter(policy=policy)) == list(range(1, expected_count + 1))


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_of_the_same_rules_keep_priorities_1_to_n(server):
    policy = policy_create(server=server, name="Service apps")
    rules = [rule_create(policy=policy, name=f"rule {n}", grant_types=CC) for n in range(6)]

    def mover(seed: int):
        def move():
            chance = random.Random(seed)
            for _ in range(ROUNDS * 2):
                rule_update(rule=chance.choice(rules), priority=chance.randint(1, 6))
        return move

    assert run_in_threads(mover(1), mover(2)) == []
    assert priorities(PolicyRule.objects.filter(policy=policy)) == [1, 2, 3, 4, 5, 6]


@pytest.mark.django_db(transaction=True)
def test_concurrent_policy_inserts_and_moves_keep_priorities_1_to_n(server):
    for n in range(3):
        policy_create(server=server, name=f"seed {n}")

    def creator(seed: int):
        def create():
            chance = random.Random(seed)
            for n in range(ROUNDS):
                policy_create(server=server, name=f"editor {seed} policy {n}", priority=chance.randint(1, 4))
        return create

    def mover():
        chance = random.Random(8)
        for _ in range(ROUNDS):
            policy = chance.choice(list(AccessPolicy.objects.filter(server=server)))
            policy_update(policy=policy, name=policy.name, clients=policy.clients, priority=chance.randint(1, 5))

    assert run_in_threads(creator(1), creator(2), mover) == []
    assert priorities(AccessPolicy.objects.filter(server=server)) == list(range(1, 3 + 2 * ROUNDS + 1))


@pytest.mark.django_db(transaction=True)
def test_rule_edits_on_different_policies_do_not_wait_for_each_other_or_mix(server):
    first, second = policy_create(server=server, name="first"), policy_create(server=server, name="second")

    def editor(policy):
        def edit():
            for n in range(ROUNDS):
                rule_create(policy=policy, name=f"{policy.name} {n}", grant_types=CC, priority=1)
        return edit

    assert run_in_threads(editor(first), editor(second)) == []
    for policy in (first, second):
        rules = PolicyRule.objects.filter(policy=policy)
        assert priorities(rules) == list(range(1, ROUNDS + 1))
        assert list(rules.order_by("priority").values_list("name", flat=True)) == [
            f"{policy.name} {n}" for n in reversed(range(ROUNDS))]
