import { describe, expect, it } from "vitest";
import { AwsError } from "../service.js";
import { encodeJsonBody, encodeJsonError } from "./json.js";

describe("json codec", () => {
  it("encodes dates as epoch seconds without leaking the encoding outside the call", () => {
    const d = new Date(1_500);
    expect(encodeJsonBody({ a: d, nested: [{ b: d }], n: null })).toBe('{"a":1.5,"nested":[{"b":1.5}],"n":null}');
    expect(JSON.stringify({ a: d })).toBe('{"a":"1970-01-01T00:00:01.500Z"}');
    expect(encodeJsonBody(undefined)).toBe("{}");
  });

  it("restores Date.prototype.toJSON even when serialization throws", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeJsonBody(cyclic)).toThrow();
    expect(new Date(0).toJSON()).toBe("1970-01-01T00:00:00.000Z");
  });

  it("adds query-compatible headers and namespaced __type for awsQueryCompatible services", () => {
    const service = {
      signingName: "sqs",
      operations: {},
      jsonErrorNamespace: "com.amazonaws.sqs",
      queryCompatErrors: { QueueDoesNotExist: "AWS.SimpleQueueService.NonExistentQueue" },
    };
    const e = encodeJsonError(new AwsError("QueueDoesNotExist", "gone"), service);
    expect(e.headers["x-amzn-query-error"]).toBe("AWS.SimpleQueueService.NonExistentQueue;Sender");
    expect(JSON.parse(e.body)).toEqual({ __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "gone" });
    const plain = encodeJsonError(
      new AwsError("ClusterNotFoundException", "Cluster not found.", 400, true, { extra: 1 }),
      undefined,
    );
    expect(plain.headers["x-amzn-ErrorType"]).toBe("ClusterNotFoundException");
    expect(JSON.parse(plain.body)).toEqual({
      extra: 1,
      __type: "ClusterNotFoundException",
      message: "Cluster not found.",
    });
  });
});
