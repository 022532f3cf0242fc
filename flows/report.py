"""Prefect artifacts for a run: a markdown summary and a table of the duplicate clusters.

Both are created on every run (a run with no new file says so), under fixed keys so the UI's
Artifacts page shows their history across runs:

- ``curation-run-summary`` (markdown): files and records in, rows out, quarantined with
  reasons, edits by kind, the top removed promos, the clusters formed or joined (canonical
  title, languages, members) and the seconds per stage.
- ``curation-duplicate-clusters`` (table): one row per member of every cluster the run formed
  or joined, canonical first; a member curated by an earlier run is marked ``earlier run``.

- ``curation-progress`` (progress): moved by the flow as batches finish (`Progress`).
"""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from flows import store
from flows.clusters import merged_map, read_merged, state_path, with_absorbed

if TYPE_CHECKING:
    from flows.run import RunSummary
    from flows.stages import CleanSummary

TOP = 10
MAX_TABLE_ROWS = 500
MAX_MD_CLUSTERS = 50
SUMMARY_KEY = "curation-run-summary"
CLUSTERS_KEY = "curation-duplicate-clusters"
PROGRESS_KEY = "curation-progress"
CLUSTER_COLUMNS = ["cluster", "canonical", "lang", "dup_kind", "similarity", "title",
                   "source_file", "run"]
_READ_COLUMNS = ["doc_id", "cluster_id", "is_canonical", "lang", "title", "dup_kind",
                 "similarity", "source_file", "run_id"]


def _md(text: Any, limit: int = 80) -> str:
    """A value made safe for one markdown table cell."""
    s = " ".join(str(text or "").split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.replace("|", "\\|")


def _earlier_members(layout: store.Layout, cluster_ids: list[str], run_id: str) -> list[dict[str, Any]]:
    """Rows of earlier runs that belong to ``cluster_ids``, those of the clusters merged into
    them included under the survivor's id (reads only the needed columns)."""
    parts = [p for p in store._parts(layout.articles) if store.run_id_of(p) != run_id]
    if not parts or not cluster_ids:
        return []
    merged = merged_map(read_merged(layout.root))
    raw = sorted(with_absorbed(set(cluster_ids), merged))
    dataset = ds.dataset([str(p) for p in parts], format="parquet")
    rows = dataset.to_table(columns=_READ_COLUMNS,
                            filter=ds.field("cluster_id").isin(pa.array(raw, pa.string()))).to_pylist()
    for r in rows:
        r["cluster_id"] = merged.get(r["cluster_id"], r["cluster_id"])
    return rows


def cluster_members(layout: store.Layout, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Every member of each duplicate cluster this run formed or joined, canonical first.

    A cluster counts when at least one of this run's rows is a duplicate in it; its members
    curated by earlier runs (the canonical of a joined cluster, typically) are included with
    their own ``run_id``. Rows are raw column values (``doc_id``, ``cluster_id``, ``lang``…).
    """
    rel = manifest.get("outputs", {}).get("articles")
    if not rel or not (layout.root / rel).exists():
        return []
    t = pq.read_table(layout.root / rel, columns=_READ_COLUMNS)
    dups = pc.filter(t.column("cluster_id"), pc.invert(t.column("is_canonical")))
    dup_clusters = sorted(set(pc.unique(dups).to_pylist()))
    if not dup_clusters:
        return []
    t = t.filter(pc.is_in(t.column("cluster_id"), pa.array(dup_clusters, pa.string())))
    mine = t.to_pylist()
    earlier = _earlier_members(layout, dup_clusters, manifest.get("run_id", ""))
    rows = earlier + mine
    state_file = state_path(layout.root)
    if state_file.exists():  # show each cluster's current canonical (it may have been re-elected)
        state = pq.read_table(state_file, columns=["cluster_id", "canonical_doc_id"])
        current = set(state.filter(pc.is_in(state.column("cluster_id"), pa.array(dup_clusters, pa.string())))
                      .column("canonical_doc_id").to_pylist())
        for r in rows:
            r["is_canonical"] = r["doc_id"] in current
    rows.sort(key=lambda r: (r["cluster_id"], not r["is_canonical"], r["run_id"] != manifest.get("run_id"),
                             r["doc_id"]))
    return rows


def cluster_table(members: list[dict[str, Any]], run_id: str) -> list[dict[str, Any]]:
    """The duplicate-cluster table artifact: one display row per member (see `cluster_members`)."""
    return [
        {
            "cluster": r["cluster_id"][:12],
            "canonical": "yes" if r["is_canonical"] else "",
            "lang": r["lang"] or "",
            "dup_kind": r["dup_kind"] or "",
            "similarity": "" if r["similarity"] is None else f"{r['similarity']:.2f}",
            "title": (r["title"] or "")[:80],
            "source_file": r["source_file"],
            "run": "this run" if r["run_id"] == run_id else f"earlier run {r['run_id']}",
        }
        for r in members
    ]


def cluster_overview(members: list[dict[str, Any]], run_id: str) -> list[dict[str, Any]]:
    """One line per cluster: canonical title and language, languages, size, new or joined."""
    by_cluster: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in members:
        by_cluster[r["cluster_id"]].append(r)
    out = []
    for cid, rows in by_cluster.items():
        canon = next((r for r in rows if r["is_canonical"]), rows[0])
        langs = sorted({r["lang"] or "?" for r in rows})
        out.append({
            "cluster": cid[:12],
            "title": canon["title"] or "(untitled)",
            "canonical_lang": canon["lang"] or "?",
            "languages": ", ".join(langs),
            "members": len(rows),
            "added": sum(1 for r in rows if r["run_id"] == run_id and r["doc_id"] != cid),
            "kinds": ", ".join(sorted({r["dup_kind"] for r in rows if r["dup_kind"]})),
            "origin": ("formed in this run" if all(r["run_id"] == run_id for r in rows if r["doc_id"] == cid)
                       else "joined an earlier cluster"),
        })
    out.sort(key=lambda c: (-c["members"], c["cluster"]))
    return out


def summary_markdown(summary: RunSummary, manifest: dict[str, Any], members: list[dict[str, Any]],
                     cleaned: list[CleanSummary], timings: dict[str, float]) -> str:
    """The run summary shown in the Prefect UI (markdown); every section reflects this run only."""
    lines = [f"# Curation run `{summary.run_id}`", ""]
    if not summary.files_new:
        lines += [
            f"**No new raw file** ({summary.files_already_processed} already processed, "
            f"{summary.files_refused} refused): nothing was read; only the run manifest "
            f"`_runs/{summary.run_id}.json` was written.",
            "",
        ]
    lines += [
        "| files new | already processed | refused | records read | rows written | quarantined | new clusters | duplicates | seconds |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {summary.files_new} | {summary.files_already_processed} | {summary.files_refused} | "
        f"{summary.records_read} | {summary.rows_written} | {summary.rows_quarantined} | "
        f"{summary.clusters_new} | {summary.duplicates} | {summary.seconds:.1f} |",
    ]
    if summary.recovered:
        lines += ["", "## Recovery from an earlier crash", ""]
        lines += [f"- {_md(line, 200)}" for line in summary.recovered]
    if manifest.get("refused"):
        lines += ["", "## Files not read", ""]
        lines += [f"- `{_md(r['path'], 120)}`: {_md(r['reason'], 160)}" for r in manifest["refused"][:50]]
    if manifest.get("inputs"):
        lines += ["", "## Inputs", "", "| file | format | records | rows | quarantined | skipped |",
                  "|---|---|---:|---:|---:|---:|"]
        lines += [f"| `{_md(i['path'], 120)}` | {i['format']} | {i['records']} | {i['rows']} | "
                  f"{i['quarantined']} | {sum(i.get('skipped', {}).values())} |"
                  for i in manifest["inputs"][:50]]
        if len(manifest["inputs"]) > 50:
            lines.append(f"| … {len(manifest['inputs']) - 50} more in the manifest | | | | | |")
    if summary.rows_quarantined:
        lines += ["", "## Quarantined, by reason", ""]
        lines += [f"- {n} × {_md(reason, 200)}" for reason, n in manifest.get("quarantine_by_reason", {}).items()]
    if manifest.get("skipped_by_reason"):
        lines += ["", f"## Skipped on purpose, by reason ({summary.records_skipped})", "",
                  "Entries that are no articles (WXR drafts, scheduled, private and "
                  "password-protected posts, attachments, menu items…): counted, neither curated "
                  "nor quarantined.", ""]
        lines += [f"- {n} × `{_md(reason, 120)}`"
                  for reason, n in manifest["skipped_by_reason"].items()]
    if manifest.get("edits_by_kind"):
        lines += ["", "## Edits by kind", "", "| kind | count |", "|---|---:|"]
        lines += [f"| {k} | {v} |" for k, v in sorted(manifest["edits_by_kind"].items(), key=lambda kv: -kv[1])]
    promos = Counter(" ".join(p.split()) for c in cleaned for p in c.promos)
    if promos:
        lines += ["", f"## Top removed promos ({sum(promos.values())} removed)", ""]
        lines += [f"- {n} × {_md(p, 160)}" for p, n in promos.most_common(TOP)]
    if manifest.get("languages"):
        langs = ", ".join(f"{k} {v}" for k, v in sorted(manifest["languages"].items(), key=lambda kv: -kv[1]))
        lines += ["", f"**Languages:** {langs}"]
    overview = cluster_overview(members, summary.run_id)
    if overview:
        lines += ["", f"## Duplicate clusters ({len(overview)})", "",
                  "| cluster | canonical title | canonical lang | languages | members | added now | kinds | origin |",
                  "|---|---|---|---|---:|---:|---|---|"]
        lines += [f"| {c['cluster']} | {_md(c['title'])} | {c['canonical_lang']} | {c['languages']} | "
                  f"{c['members']} | {c['added']} | {c['kinds']} | {c['origin']} |"
                  for c in overview[:MAX_MD_CLUSTERS]]
        if len(overview) > MAX_MD_CLUSTERS:
            lines.append(f"\n… {len(overview) - MAX_MD_CLUSTERS} more: see the `{CLUSTERS_KEY}` table artifact.")
    elif summary.files_new:
        lines += ["", "No duplicate cluster was formed or joined in this run."]
    if timings:
        lines += ["", "## Seconds per stage", "", "Wall-clock seconds; the `…_cpu` rows are CPU seconds.",
                  "", "| stage | seconds |", "|---|---:|"]
        lines += [f"| {k} | {v:.2f} |" for k, v in timings.items()]
    return "\n".join(lines) + "\n"


def publish_artifacts(summary: RunSummary, manifest: dict[str, Any], layout: store.Layout | None,
                      cleaned: list[CleanSummary], timings: dict[str, float]) -> None:
    """Create the run's markdown summary and its duplicate-cluster table in Prefect.

    Guarantees one artifact of each key per run; the table is never empty (a run with no
    cluster gets a single explanatory row) so the UI always renders it.
    """
    members = cluster_members(layout, manifest) if layout is not None else []
    create_markdown_artifact(
        key=SUMMARY_KEY,
        markdown=summary_markdown(summary, manifest, members, cleaned, timings),
        description=summary.line(),
    )
    table = cluster_table(members[:MAX_TABLE_ROWS], summary.run_id)
    placeholder = dict.fromkeys(CLUSTER_COLUMNS, "")
    placeholder["title"] = ("no new file in this run" if not summary.files_new
                            else "no duplicate cluster in this run")
    create_table_artifact(
        key=CLUSTERS_KEY,
        table=table or [placeholder],
        description=f"run {summary.run_id}: members of the duplicate clusters formed or joined "
                    f"({summary.duplicates} duplicate(s))",
    )


class Progress:
    """The run's progress artifact: moves as each batch finishes, not only per stage.

    Updates smaller than one point are held back (one API call per visible step at most).
    """

    def __init__(self, run_id: str, description: str) -> None:
        self.artifact_id = create_progress_artifact(progress=0.0, key=PROGRESS_KEY,
                                                    description=f"run {run_id}: {description}")
        self.run_id = run_id
        self.value = 0.0
        self.shown = 0.0

    def set(self, value: float, stage: str | None = None) -> None:
        """Move to ``value`` percent (never backwards), saying which ``stage`` the run is in;
        never raises."""
        self.value = round(min(max(value, self.value), 100.0), 1)
        if self.value - self.shown < 1.0 and not (self.value == 100.0 and self.shown < 100.0):
            return
        self.shown = self.value
        description = f"run {self.run_id}: {stage}" if stage else None
        with contextlib.suppress(Exception):  # cosmetic: never fail a run over progress
            update_progress_artifact(self.artifact_id, self.value, description=description)
