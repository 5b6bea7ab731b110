import { afterAll, beforeAll } from "vitest";
import { type AwsClients, createAwsClients } from "../../lib/aws/clients.js";
import { type AwsServer, startAwsServer } from "../../sim/aws/server.js";
import type { SimService } from "../../sim/aws/service.js";
import { type RunningSim, type StartSimOptions, startSim } from "../../sim/index.js";

/**
 * Suite fixtures for the simulator tests. Each registers the suite's `beforeAll`/`afterAll`, starts its server
 * before the suite and stops it after; the SDK clients (`aws`, ecsmon's own factory, one attempt so an error
 * reaches the test) are made on first use and destroyed after the suite. Read the fields inside tests and hooks.
 */

/** The whole simulator (`startSim(options)`) and ecsmon's AWS clients pointed at it. */
export interface SimFixture {
  readonly sim: RunningSim;
  readonly aws: AwsClients;
}

/** The simulator's AWS front serving only the given services, and ecsmon's AWS clients pointed at it. */
export interface AwsFrontFixture {
  readonly server: AwsServer;
  readonly aws: AwsClients;
}

export function useSim(options: StartSimOptions = { nodeSurfaces: false, transitionDelayMs: 0 }): SimFixture {
  const fx = useStarted(
    "useSim",
    () => startSim(options),
    (sim) => sim.stop(),
    (sim) => ({ region: sim.region, endpointUrl: sim.endpoint }),
  );
  return {
    get sim() {
      return fx.value();
    },
    get aws() {
      return fx.aws();
    },
  };
}

export function useAwsFront(services: SimService[], options: { region?: string } = {}): AwsFrontFixture {
  const fx = useStarted(
    "useAwsFront",
    () => startAwsServer({ services }),
    (server) => server.close(),
    (server) => ({ region: options.region ?? "us-east-1", endpointUrl: server.url }),
  );
  return {
    get server() {
      return fx.value();
    },
    get aws() {
      return fx.aws();
    },
  };
}

/** What the promise rejects with; throws when it resolves, so a call expected to fail cannot pass by succeeding. */
export async function rejectionOf<E = unknown>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (err) {
    return err as E;
  }
  throw new Error("expected the call to fail");
}

/**
 * POSTs a hand-built request to the simulator's AWS front (the wire-format tests): `target` is the `x-amz-target`
 * header, `signedFor` the service of the SigV4 scope the front routes by (the simulator does not check signatures).
 */
export function postToFront(
  url: string,
  request: { contentType: string; body: string; target?: string; signedFor?: string },
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": request.contentType };
  if (request.target) headers["x-amz-target"] = request.target;
  if (request.signedFor) {
    headers.authorization = `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/${request.signedFor}/aws4_request, SignedHeaders=host, Signature=x`;
  }
  return fetch(url, { method: "POST", headers, body: request.body });
}

/** A server started in the suite's `beforeAll` and stopped in its `afterAll`, with SDK clients made on first use. */
function useStarted<T>(
  fixture: string,
  start: () => Promise<T>,
  stop: (value: T) => Promise<void>,
  endpoint: (value: T) => { region: string; endpointUrl: string },
) {
  let value: T | undefined;
  let aws: AwsClients | undefined;
  const started = (): T => {
    if (value === undefined) throw new Error(`${fixture}: the server starts in beforeAll`);
    return value;
  };
  beforeAll(async () => {
    value = await start();
  });
  afterAll(async () => {
    aws?.destroy();
    if (value !== undefined) await stop(value);
  });
  return {
    value: started,
    aws(): AwsClients {
      aws ??= createAwsClients({ ...endpoint(started()), maxAttempts: 1 });
      return aws;
    },
  };
}
