/**
 * A minimal EC2 instance metadata client: IMDSv2 (a session token from `PUT /latest/api/token`, sent as
 * `X-aws-ec2-metadata-token`), falling back to IMDSv1 when the token call is refused or unreachable.
 * Every call is bounded by a timeout; failures resolve to `undefined`, never throw.
 */
export interface ImdsClient {
  /** Text of `/latest/meta-data/<path>`, or undefined (404, timeout, unreachable). */
  get(path: string): Promise<string | undefined>;
}

export interface ImdsClientOptions {
  endpoint: string;
  /** @defaultValue 1000 (ms) */
  timeoutMs?: number;
  /** Token lifetime requested. @defaultValue 21600 (s) */
  tokenTtlSeconds?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

export function createImdsClient(options: ImdsClientOptions): ImdsClient {
  const base = options.endpoint.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 1_000;
  const ttl = options.tokenTtlSeconds ?? 21_600;
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  let token: { value: string; expiresAtMs: number } | undefined;

  const request = async (url: string, init: RequestInit): Promise<Response | undefined> => {
    try {
      return await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch {
      return undefined;
    }
  };

  const sessionToken = async (): Promise<string | undefined> => {
    if (token && token.expiresAtMs > now()) return token.value;
    const response = await request(`${base}/latest/api/token`, {
      method: "PUT",
      headers: { "X-aws-ec2-metadata-token-ttl-seconds": String(ttl) },
    });
    if (!response?.ok) return undefined;
    const value = (await response.text()).trim();
    if (!value) return undefined;
    // Renew a minute early so that a token never expires between the check and the GET.
    token = { value, expiresAtMs: now() + Math.max(1, ttl - 60) * 1000 };
    return value;
  };

  return {
    async get(path) {
      const url = `${base}/latest/meta-data/${path.replace(/^\/+/, "")}`;
      for (let attempt = 0; attempt < 2; attempt++) {
        const t = await sessionToken();
        const response = await request(url, { headers: t ? { "X-aws-ec2-metadata-token": t } : {} });
        if (!response) return undefined;
        if (response.status === 401 && attempt === 0) {
          token = undefined;
          continue;
        }
        if (!response.ok) return undefined;
        return (await response.text()).trim();
      }
      return undefined;
    },
  };
}
