#!/usr/bin/env bash
# Images' iterations per second, one thread (--workers=1) vs one per core (the default), for the
# score warm-up and the trajectory-KL phases of the cpu preset, at two commits, in interleaved
# rounds (the order reversed every other round), printing the 1-minute load around every run.
#
#   tools/bench/images_threads.sh BEFORE_REV AFTER_REV [ROUNDS=3] [WARMUP=15] [KL=3]
#
# Each commit is exported with `git archive` to a temp folder that shares this checkout's
# node_modules (workspace packages linked to the export's own sources), and every run is the real
# command: `images:train` with the cpu preset, --warmup=WARMUP --iters=WARMUP+KL --samples=1, a
# fresh --out. The per-iteration times come from the run's metrics.jsonl (`ms`, by `phase`); a run's
# figure is its median per phase, a cell's the median over the rounds.
set -euo pipefail
before=${1:?usage: images_threads.sh BEFORE_REV AFTER_REV [ROUNDS] [WARMUP] [KL]}
after=${2:?usage: images_threads.sh BEFORE_REV AFTER_REV [ROUNDS] [WARMUP] [KL]}
rounds=${3:-3}
warmup=${4:-15}
kl=${5:-3}
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d /tmp/images-threads.XXXXXX)
results=$tmp/results.tsv

prepare() { # rev → folder with that commit's tree and a node_modules sharing this checkout's
  local rev=$1 dir=$tmp/tree-$1
  mkdir -p "$dir/node_modules"
  git -C "$root" archive "$rev" | tar -x -C "$dir"
  for entry in "$root"/node_modules/* "$root"/node_modules/.bin; do
    [ "$(basename "$entry")" = "@diffflow" ] || ln -s "$entry" "$dir/node_modules/"
  done
  cp -a "$root/node_modules/@diffflow" "$dir/node_modules/" # relative links: to the export's packages
  # The sources' export condition was renamed source → @diffflow/source on 2026-12-03, and commits of
  # that day may have one name in package.json and the other in the code that starts workers: every
  # export and import map of the copy answers to both names (the same files), and both are set below.
  (cd "$dir" && node -e '
    const fs = require("fs");
    const both = (v) => {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
      const src = v["@diffflow/source"] ?? v.source;
      const rest = Object.fromEntries(Object.entries(v).filter(([k]) => k !== "source" && k !== "@diffflow/source").map(([k, x]) => [k, both(x)]));
      return src === undefined ? rest : { "@diffflow/source": src, source: src, ...rest };
    };
    for (const f of process.argv.slice(1)) {
      const pkg = JSON.parse(fs.readFileSync(f, "utf8"));
      const out = { ...pkg, ...(pkg.exports === undefined ? {} : { exports: both(pkg.exports) }), ...(pkg.imports === undefined ? {} : { imports: both(pkg.imports) }) };
      fs.writeFileSync(f, JSON.stringify(out, null, 2));
    }
  ' $(git -C "$root" ls-tree -r --name-only "$rev" | grep -E '(^|/)package\.json$' | grep -v node_modules))
  echo "$dir"
}

load() { cut -d' ' -f1 /proc/loadavg; }

run() { # rev label workers round
  local rev=$1 label=$2 workers=$3 round=$4 dir=$tmp/tree-$1
  local out=$tmp/run-$label-w$workers-r$round
  local flag=()
  [ "$workers" = 1 ] && flag=(--workers=1)
  local l0 l1
  l0=$(load)
  (cd "$dir" && node --conditions=@diffflow/source --conditions=source --import tsx packages/experiments/images/src/cli.ts train \
    --warmup="$warmup" --iters=$((warmup + kl)) --samples=1 --checkpointEvery=100000 --out="$out" "${flag[@]}") >"$out.log" 2>&1 ||
    { echo "run failed: $label workers=$workers round $round (log: $out.log)" >&2; tail -5 "$out.log" >&2; exit 1; }
  l1=$(load)
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
    const ms = (phase) => med(lines.filter((l) => l.phase === phase).map((l) => l.ms));
    console.log([process.argv[2], process.argv[3], process.argv[4], ms("score-warmup").toFixed(0), ms("trajectory-kl").toFixed(0), process.argv[5], process.argv[6]].join("\t"));
  ' "$out/metrics.jsonl" "$label" "$workers" "$round" "$l0" "$l1" | tee -a "$results"
}

echo "commits: before $(git -C "$root" rev-parse --short "$before"), after $(git -C "$root" rev-parse --short "$after"); $(nproc) cores; $rounds rounds; warm-up $warmup + KL $kl iterations per run"
prepare "$before" >/dev/null
prepare "$after" >/dev/null
echo -e "commit\tworkers\tround\twarmup_ms\tkl_ms\tload_before\tload_after" | tee "$results"
for r in $(seq 1 "$rounds"); do
  order=("$before before 1" "$before before 0" "$after after 1" "$after after 0")
  if [ $((r % 2)) = 0 ]; then order=("${order[3]}" "${order[2]}" "${order[1]}" "${order[0]}"); fi
  for job in "${order[@]}"; do
    # shellcheck disable=SC2086
    run $job "$r"
  done
done

echo
echo "medians over the rounds (it/s = 1000 / median ms; workers 0 = one thread per core):"
node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").slice(1).map((l) => l.split("\t"));
  const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
  console.log("| commit | threads | score warm-up ms (it/s) | trajectory KL ms (it/s) | 1-min load, min–max |");
  console.log("|---|---|---:|---:|---|");
  for (const c of ["before", "after"]) for (const w of ["1", "0"]) {
    const g = rows.filter((r) => r[0] === c && r[1] === w);
    const wu = med(g.map((r) => +r[3])), kl = med(g.map((r) => +r[4]));
    const loads = g.flatMap((r) => [+r[5], +r[6]]);
    console.log(`| ${c} | ${w === "1" ? "1 (--workers=1)" : "default"} | ${wu.toFixed(0)} (${(1000 / wu).toFixed(2)}) | ${kl.toFixed(0)} (${(1000 / kl).toFixed(3)}) | ${Math.min(...loads)}–${Math.max(...loads)} |`);
  }
' "$results"
echo "raw: $results"
