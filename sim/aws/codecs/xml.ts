import type { AwsError } from "../service.js";

/**
 * XML encoders for the two query protocols. Handlers return objects whose keys are the response's
 * element names; arrays become `<item>` (EC2 query) or `<member>` (AWS query) children; `Date` becomes
 * ISO 8601; `undefined`/`null` members are omitted.
 */
export function escapeXml(s: string): string {
  let out = "";
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 38) rep = "&amp;";
    else if (c === 60) rep = "&lt;";
    else if (c === 62) rep = "&gt;";
    else if (c === 34) rep = "&quot;";
    else if (c === 39) rep = "&apos;";
    else if (c === 13) rep = "&#xD;";
    if (rep !== undefined) {
      out += s.slice(last, i) + rep;
      last = i + 1;
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

/**
 * A map member (e.g. CloudWatch's `ExtendedStatistics`): XML protocols encode it as
 * `<entry><key/><value/></entry>` children; JSON encodes it as a plain object (via `toJSON`).
 */
export class XmlMap {
  constructor(readonly entries: Record<string, unknown>) {}
  toJSON(): Record<string, unknown> {
    return this.entries;
  }
}

function scalar(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return escapeXml(String(value));
}

/** Serializes `value` as the children of an element (not the element itself). */
export function xmlChildren(value: unknown, listTag: string): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) {
    let out = "";
    for (const v of value) out += `<${listTag}>${xmlChildren(v, listTag)}</${listTag}>`;
    return out;
  }
  if (value instanceof XmlMap) {
    let out = "";
    for (const key in value.entries) {
      const v = value.entries[key];
      if (v === undefined || v === null) continue;
      out += `<entry><key>${escapeXml(key)}</key><value>${xmlChildren(v, listTag)}</value></entry>`;
    }
    return out;
  }
  if (typeof value === "object" && !(value instanceof Date)) {
    let out = "";
    for (const key in value as Record<string, unknown>) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined || v === null) continue;
      out += `<${key}>${xmlChildren(v, listTag)}</${key}>`;
    }
    return out;
  }
  return scalar(value);
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** EC2 query response: `<ActionResponse xmlns><requestId/>…</ActionResponse>`. */
export function encodeEc2Response(action: string, xmlns: string, requestId: string, output: unknown): string {
  return `${XML_DECL}<${action}Response xmlns="${xmlns}"><requestId>${requestId}</requestId>${xmlChildren(output, "item")}</${action}Response>`;
}

/** EC2 query error: `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`. */
export function encodeEc2Error(err: AwsError, requestId: string): string {
  return `${XML_DECL}<Response><Errors><Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}

/** AWS query response: `<ActionResponse xmlns><ActionResult>…</ActionResult><ResponseMetadata/></ActionResponse>`. */
export function encodeQueryResponse(action: string, xmlns: string, requestId: string, output: unknown): string {
  const hasResult =
    output !== undefined && output !== null && (typeof output !== "object" || Object.keys(output).length > 0);
  const result = hasResult ? `<${action}Result>${xmlChildren(output, "member")}</${action}Result>` : "";
  return `${XML_DECL}<${action}Response xmlns="${xmlns}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

/** AWS query error: `<ErrorResponse xmlns><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function encodeQueryError(err: AwsError, code: string, xmlns: string, requestId: string): string {
  return `${XML_DECL}<ErrorResponse xmlns="${xmlns}"><Error><Type>${err.senderFault ? "Sender" : "Receiver"}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
