"""Prefect artifacts for a run: a markdown summary and a table of the duplicate clusters."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows import store

if TYPE_CHECKING:
    from flows.curate import RunSummary
    from flows.stages import CleanSummary

TOP = 10


def cluster_rows(layout: store.Layout, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per member of each cluster this run formed or joined (canonical first)."""
    rel = manifest.get("outputs", {}).get("articles")
    if not rel or not (layout.root / rel).exists():
        return []
    t = pq.read_table(layout.root / rel, columns=["doc_id", "cluster_id", "is_canonical", "lang",
                                                  "title", "dup_kind", "similarity", "source_file"])
    dup_clusters = set(pc.unique(pc.filter(t.column("cluster_id"), pc.invert(t.column("is_canonical")))).to_pylist())
    rows = [r for r in t.to_pylist() if r["cluster_id"] in dup_clusters]
    rows.sort(key=lambda r: (r["cluster_id"], not r["is_canonical"], r["doc_id"]))
    return [
        {
            "cluster": r["cluster_id"][:12],
            "canonical": "yes" if r["is_canonical"] else "",
            "lang": r["lang"],
            "dup_kind": r["dup_kind"] or "",
            "similarity": "" if r["similarity"] is None else f"{r['similarity']:.2f}",
            "title": (r["title"] or "")[:80],
            "source_file": r["source_file"],
        }
        for r in rows
    ]


def summary_markdown(summary: RunSummary, manifest: dict[str, Any], clusters: list[dict[str, Any]],
                     cleaned: list[CleanSummary], timings: dict[str, float]) -> str:
    """The run summary shown in the Prefect UI."""
    lines = [
        f"# Curation run `{summary.run_id}`",
        "",
        "| files new | already processed | refused | records read | rows written | quarantined | new clusters | duplicates | seconds |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {summary.files_new} | {summary.files_already_processed} | {summary.files_refused} | "
        f"{summary.records_read} | {summary.rows_written} | {summary.rows_quarantined} | "
        f"{summary.clusters_new} | {summary.duplicates} | {summary.seconds:.1f} |",
    ]
    if manifest.get("inputs"):
        lines += ["", "## Inputs", "", "| file | format | records | rows | quarantined |", "|---|---|---:|---:|---:|"]
        lines += [f"| `{i['path']}` | {i['format']} | {i['records']} | {i['rows']} | {i['quarantined']} |"
                  for i in manifest["inputs"][:50]]
    if summary.rows_quarantined:
        lines += ["", "## Quarantined, by reason", ""]
        lines += [f"- {n} × {reason}" for reason, n in manifest.get("quarantine_by_reason", {}).items()]
    if manifest.get("edits_by_kind"):
        lines += ["", "## Edits by kind", "", "| kind | count |", "|---|---:|"]
        lines += [f"| {k} | {v} |" for k, v in sorted(manifest["edits_by_kind"].items(), key=lambda kv: -kv[1])]
    promos = Counter(p for c in cleaned for p in c.promos)
    if promos:
        lines += ["", "## Top removed promos", ""]
        lines += [f"- {n} × {p}" for p, n in promos.most_common(TOP)]
    if clusters:
        lines += ["", "## Duplicate clusters", "", "| cluster | canonical | lang | kind | similarity | title |",
                  "|---|---|---|---|---:|---|"]
        lines += [f"| {r['cluster']} | {r['canonical']} | {r['lang']} | {r['dup_kind']} | {r['similarity']} | {r['title']} |"
                  for r in clusters[:100]]
    if timings:
        lines += ["", "## Seconds per stage", "", "| stage | seconds |", "|---|---:|"]
        lines += [f"| {k} | {v:.2f} |" for k, v in timings.items()]
    return "\n".join(lines) + "\n"


def publish_artifacts(summary: RunSummary, manifest: dict[str, Any], layout: store.Layout | None,
                      cleaned: list[CleanSummary], timings: dict[str, float]) -> None:
    """Create the run's markdown summary and its duplicate-cluster table in Prefect."""
    clusters = cluster_rows(layout, manifest) if layout is not None else []
    create_markdown_artifact(
        key="curation-run-summary",
        markdown=summary_markdown(summary, manifest, clusters, cleaned, timings),
        description=summary.line(),
    )
    create_table_artifact(
        key="curation-duplicate-clusters",
        table=clusters or [{"cluster": "", "canonical": "", "lang": "", "dup_kind": "",
                            "similarity": "", "title": "no duplicate cluster in this run", "source_file": ""}],
        description=f"run {summary.run_id}: members of the duplicate clusters formed or joined",
    )
