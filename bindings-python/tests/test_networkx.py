"""Round trips with networkx: the team around each child, its lead, shared children and
family clusters, worked out by hand from to_networkx()'s graph and the episodes frame,
must equal what patchwork answers."""

from __future__ import annotations

import datetime
from typing import Dict, List, Set, Tuple

import networkx as nx
import pandas as pd

import patchwork

from conftest import DAY

STATUTORY = {"child_in_need", "child_protection_plan", "looked_after"}


def open_statutory(net: patchwork.Network, day: datetime.date) -> Set[str]:
    """Persons with a CIN, CP or CLA episode open on `day` (start <= day < end)."""
    ep = net.episodes()
    ts = pd.Timestamp(day)
    open_ = (
        ep["kind"].astype(str).isin(STATUTORY)
        & (ep["start"].isna() | (ep["start"] <= ts))
        & (ep["end"].isna() | (ep["end"] > ts))
    )
    return set(ep.loc[open_, "person_id"])


def team_by_hand(
    graph: nx.MultiGraph, person_id: str, statutory: Set[str]
) -> Tuple[Set[str], Set[str], str]:
    """(involvement ids, lead involvement ids, lead basis) from the graph alone."""
    node = ("person", person_id)
    edges = [
        (key, data)
        for _, _, key, data in graph.edges(node, keys=True, data=True)
        if data["kind"] == "involvement"
    ]
    ids = {key for key, _ in edges}
    by_category: Dict[str, Set[str]] = {}
    for key, data in edges:
        by_category.setdefault(data["role_category"], set()).add(key)
    if "allocated_social_worker" in by_category and person_id in statutory:
        return ids, by_category["allocated_social_worker"], "allocated_social_worker"
    if "lead_practitioner" in by_category:
        return ids, by_category["lead_practitioner"], "lead_practitioner_role"
    return ids, set(), "none"


def test_team_around_equals_the_graph_by_hand(small_net: patchwork.Network) -> None:
    today = small_net.today
    assert today is not None
    graph = small_net.to_networkx(today)
    statutory = open_statutory(small_net, today)
    bases: Dict[str, int] = {}
    for person_id in small_net.persons()["person_id"]:
        ids, leads, basis = team_by_hand(graph, person_id, statutory)
        team = small_net.team_around(person_id, today)
        assert {m.involvement_id for m in team.members} == ids, person_id
        assert {m.involvement_id for m in team.members if m.lead} == leads, person_id
        assert team.lead_basis == basis, person_id
        bases[basis] = bases.get(basis, 0) + 1
    # The generated council exercises every lead rule.
    assert set(bases) == {"allocated_social_worker", "lead_practitioner_role", "none"}, bases


def test_graph_on_the_hand_worked_extract(ssd_net: patchwork.Network) -> None:
    graph = ssd_net.to_networkx(DAY)
    assert graph.graph["as_of"] == DAY
    assert graph.nodes[("person", "lcs:M")] == {
        "kind": "person",
        "person_kind": "child",
        "name": "Mia Example",
    }
    assert graph.nodes[("professional", "lcs:5001")]["name"] == "Alex Example"
    # 5001 is involved with M and B on the day.
    assert set(graph[("professional", "lcs:5001")]) == {("person", "lcs:M"), ("person", "lcs:B")}
    # S2's only involvement is team-only: an edge from the team.
    s2 = graph[("person", "lcs:S2")]
    assert ("team", "lcs:302") in s2
    assert s2[("team", "lcs:302")]["lcs:900008"]["role"] == "KASCHO"
    # The mother relationship and household 88.
    edge = graph.get_edge_data(("person", "lcs:M"), ("person", "lcs:B"))
    assert [d["relationship"] for d in edge.values()] == ["parent"]
    assert set(graph[("household", "lcs:88")]) == {
        ("person", p) for p in ("lcs:M", "lcs:B", "lcs:S1", "lcs:S2")
    }
    # Before 5003 handed over, 5001 had only M.
    early = ssd_net.to_networkx("2025-01-20")
    assert set(early[("professional", "lcs:5001")]) == {("person", "lcs:M")}


def test_shared_children_and_paths_equal_the_graph(small_net: patchwork.Network) -> None:
    today = small_net.today
    graph = small_net.to_networkx(today)
    pros = [n for n, k in graph.nodes(data="kind") if k == "professional"]

    def children(p: Tuple[str, str]) -> Set[str]:
        return {
            v[1]
            for _, v, data in graph.edges(p, data=True)
            if data["kind"] == "involvement" and v[0] == "person"
        }

    checked = 0
    for a, b in zip(pros[:40], pros[1:41]):
        expected = children(a) & children(b)
        got = {p.person_id for p in small_net.shared_children(a[1], b[1], today)}
        assert got == expected, (a, b)
        checked += bool(expected)
    assert checked > 0, "some pairs share children"
    # Connection path length equals the shortest path in the professional-child graph.
    bipartite = nx.Graph()
    for u, v, data in graph.edges(data=True):
        if data["kind"] == "involvement" and "professional" in (u[0], v[0]):
            bipartite.add_edge(u, v)
    found = 0
    for a, b in zip(pros[:30], pros[-30:]):
        path = small_net.connection_path(a[1], b[1], today)
        if a in bipartite and b in bipartite and nx.has_path(bipartite, a, b):
            assert path is not None
            assert len(path) == nx.shortest_path_length(bipartite, a, b) // 2
            found += 1
        else:
            assert path is None
    assert found > 0


def test_components_equal_the_graph(small_net: patchwork.Network) -> None:
    today = small_net.today
    graph = small_net.to_networkx(today)
    family = nx.Graph()
    family.add_nodes_from(n for n, k in graph.nodes(data="kind") if k == "person")
    for u, v, data in graph.edges(data=True):
        if data["kind"] in ("relationship", "household_member"):
            family.add_edge(u, v)
    expected: List[Set[str]] = []
    for comp in nx.connected_components(family):
        persons = {n[1] for n in comp if n[0] == "person"}
        if persons:
            expected.append(persons)
    got = [set(c.person_ids) for c in small_net.components(today)]
    assert sorted(map(sorted, got)) == sorted(map(sorted, expected))
