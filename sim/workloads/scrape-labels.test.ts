import { describe, expect, it } from "vitest";
import { metricsPathOverride, parseScrapesLabel, scrapeEndpointsOf } from "./scrape-labels.js";

describe("parseScrapesLabel", () => {
  it.each([
    {
      value: "8080/internal/metrics,9106",
      expected: [
        { port: 8080, path: "/internal/metrics" },
        { port: 9106, path: "/metrics" },
      ],
    },
    { value: " 9100 ", expected: [{ port: 9100, path: "/metrics" }] },
    { value: "9100/", expected: [{ port: 9100, path: "/" }] },
    { value: "9100,9100/metrics", expected: [{ port: 9100, path: "/metrics" }] },
    { value: "abc,70000,0,8080/x y", expected: [] },
    { value: "", expected: [] },
    { value: ",,8080", expected: [{ port: 8080, path: "/metrics" }] },
  ])("$value", ({ value, expected }) => {
    expect(parseScrapesLabel(value)).toEqual(expected);
  });
});

describe("scrapeEndpointsOf", () => {
  it.each<{ labels: Record<string, string>; expected: { port: number; path: string }[] }>([
    { labels: { PROMETHEUS_SCRAPES: "9106" }, expected: [{ port: 9106, path: "/metrics" }] },
    { labels: { "container-exposes-metrics": "9200/custom" }, expected: [{ port: 9200, path: "/custom" }] },
    {
      labels: { PROMETHEUS_SCRAPES: "8080", "container-exposes-metrics": "9200/custom" },
      expected: [{ port: 8080, path: "/metrics" }],
    },
    { labels: { "container-exposes-metrics": "garbage" }, expected: [] },
    { labels: { team: "a" }, expected: [] },
  ])("$labels", ({ labels, expected }) => {
    expect(scrapeEndpointsOf(labels)).toEqual(expected);
  });
});

describe("metricsPathOverride", () => {
  it.each([
    { value: "__metrics_path__=/prom,team=api", expected: "/prom" },
    { value: "team=api, __metrics_path__ = /x/y ", expected: "/x/y" },
    { value: "__metrics_path__=relative", expected: undefined },
    { value: "team=a", expected: undefined },
  ])("$value", ({ value, expected }) => {
    expect(metricsPathOverride({ PROMETHEUS_LABELS: value })).toBe(expected);
  });
});
