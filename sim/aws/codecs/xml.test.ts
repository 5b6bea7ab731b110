import { describe, expect, it } from "vitest";
import { AwsError } from "../service.js";
import {
  encodeEc2Error,
  encodeEc2Response,
  encodeQueryError,
  encodeQueryResponse,
  XmlMap,
  xmlChildren,
} from "./xml.js";

describe("xml codecs", () => {
  it.each([
    ["scalar escaping", { a: `<&>"'` }, "item", "<a>&lt;&amp;&gt;&quot;&apos;</a>"],
    [
      "EC2 lists use <item>",
      { set: [{ id: "1" }, { id: "2" }] },
      "item",
      "<set><item><id>1</id></item><item><id>2</id></item></set>",
    ],
    ["query lists use <member>", { Metrics: ["a"] }, "member", "<Metrics><member>a</member></Metrics>"],
    ["undefined and null are omitted", { a: undefined, b: null, c: 0, d: false }, "item", "<c>0</c><d>false</d>"],
    ["dates are ISO 8601", { t: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) }, "item", "<t>2026-01-02T03:04:05.000Z</t>"],
    ["empty list", { l: [] }, "member", "<l></l>"],
    [
      "maps as entry/key/value",
      { m: new XmlMap({ p99: 1.5 }) },
      "member",
      "<m><entry><key>p99</key><value>1.5</value></entry></m>",
    ],
  ])("%s", (_n, value, tag, xml) => {
    expect(xmlChildren(value, tag)).toBe(xml);
  });

  it("wraps EC2 responses with requestId and errors in Response/Errors", () => {
    expect(encodeEc2Response("DescribeInstances", "ns", "r1", { reservationSet: [] })).toContain(
      '<DescribeInstancesResponse xmlns="ns"><requestId>r1</requestId><reservationSet></reservationSet></DescribeInstancesResponse>',
    );
    expect(encodeEc2Error(new AwsError("InvalidInstanceID.NotFound", "nope"), "r2")).toContain(
      "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>nope</Message></Error></Errors><RequestID>r2</RequestID></Response>",
    );
  });

  it("wraps AWS query responses in Result + ResponseMetadata; empty results have no Result element", () => {
    expect(encodeQueryResponse("ListMetrics", "ns", "r", { Metrics: [] })).toContain(
      "<ListMetricsResult><Metrics></Metrics></ListMetricsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>",
    );
    expect(encodeQueryResponse("PutMetricData", "ns", "r", {})).not.toContain("PutMetricDataResult");
    const err = encodeQueryError(new AwsError("X", "m", 503), "Code", "ns", "r");
    expect(err).toContain(
      '<ErrorResponse xmlns="ns"><Error><Type>Receiver</Type><Code>Code</Code><Message>m</Message></Error>',
    );
  });
});
