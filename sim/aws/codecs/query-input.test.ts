import { describe, expect, it } from "vitest";
import { decodeQueryParams } from "./query-input.js";

describe("decodeQueryParams", () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ["scalars; Action/Version dropped", "Action=X&Version=1&Name=a&Max=5", { Name: "a", Max: "5" }],
    ["EC2 flattened lists", "InstanceId.1=i-1&InstanceId.2=i-2", { InstanceId: ["i-1", "i-2"] }],
    [
      "EC2 filters with nested value lists",
      "Filter.1.Name=instance-state-name&Filter.1.Value.1=running&Filter.1.Value.2=pending&Filter.2.Name=tag:a&Filter.2.Value.1=b",
      {
        Filter: [
          { Name: "instance-state-name", Value: ["running", "pending"] },
          { Name: "tag:a", Value: ["b"] },
        ],
      },
    ],
    [
      "AWS query member lists, ordered by index not by appearance",
      "MetricData.member.2.MetricName=b&MetricData.member.1.MetricName=a&MetricData.member.1.Dimensions.member.1.Name=d&MetricData.member.1.Dimensions.member.1.Value=v",
      { MetricData: [{ MetricName: "a", Dimensions: [{ Name: "d", Value: "v" }] }, { MetricName: "b" }] },
    ],
    ["index 10 sorts after 2", "L.member.10=j&L.member.2=b&L.member.1=a", { L: ["a", "b", "j"] }],
    [
      "query maps (entry.N.key/value)",
      "Attributes.entry.1.key=k1&Attributes.entry.1.value=v1",
      { Attributes: { k1: "v1" } },
    ],
  ];
  it.each(cases)("%s", (_name, query, expected) => {
    expect(decodeQueryParams(new URLSearchParams(query))).toEqual(expected);
  });
});
