import { syntheticFamily } from "../exposition/merge.js";
import { plainSnapshot, renderInjectedLabels, type Snapshot } from "../exposition/snapshot.js";
import type { TargetView } from "./target-runner.js";

/**
 * Per-target `up`, `scrape_duration_seconds` and `scrape_samples_scraped` gauges, labelled with the target's
 * injected labels (the endpoint label included), as one snapshot placed first in the merge.
 */
export function syntheticSnapshot(views: readonly TargetView[]): Snapshot {
  const up: string[] = [];
  const duration: string[] = [];
  const samples: string[] = [];
  const seen = new Set<string>();
  for (const view of views) {
    if (!view.scraped) continue;
    const labels = renderInjectedLabels(view.labels);
    // The same endpoint assigned twice under identical labels would give its `up` twice; the first target wins.
    if (seen.has(labels)) continue;
    seen.add(labels);
    const braces = labels === "" ? "" : `{${labels}}`;
    up.push(`up${braces} ${view.up}\n`);
    duration.push(`scrape_duration_seconds${braces} ${view.durationSeconds}\n`);
    samples.push(`scrape_samples_scraped${braces} ${view.samples}\n`);
  }
  return plainSnapshot(
    [
      syntheticFamily("up", "gauge", "1 if the agent's last scrape of the target succeeded, else 0.", up),
      syntheticFamily(
        "scrape_duration_seconds",
        "gauge",
        "Duration of the agent's last scrape of the target.",
        duration,
      ),
      syntheticFamily(
        "scrape_samples_scraped",
        "gauge",
        "Samples the target exposed in the agent's last scrape.",
        samples,
      ),
    ],
    up.length * 3,
  );
}
