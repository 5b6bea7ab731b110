/** Tests keep importing `until` from here; it lives in lib/until.ts so that bench/ and production code can use it. */
export { type Probe, until } from "../../lib/until.js";
