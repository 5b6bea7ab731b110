import { AWS_SERVICES, type AwsClientOptions, type AwsClients, type AwsService, createAwsClient } from "./clients.js";
import { type InstrumentOptions, initAwsRequestCounter, instrumentClient, SERVICE_LABELS } from "./instrument.js";

export interface LazyAwsClientsOptions extends InstrumentOptions {
  /**
   * The operations each service is called with, by `service` label (e.g. `{ cloudwatch: ["PutMetricData"] }`):
   * their `ecsmon_aws_requests_total` series start at 0 for every outcome when the service's client is built.
   */
  operations?: Readonly<Record<string, readonly string[]>> | undefined;
}

/** {@link AwsClients} whose clients are built on first use; `built()` names those built so far. */
export interface LazyAwsClients extends AwsClients {
  built(): AwsService[];
}

/**
 * One region's AWS clients, each built on first access by {@link createAwsClient} and instrumented at once
 * (`instrumentClient`: the request budget's token per attempt and `ecsmon_aws_requests_total`), so a process
 * holds only the clients it calls and every call it makes is budgeted and counted. `destroy()` destroys the
 * clients built (their sockets), and a client asked for after `destroy()` throws.
 */
export function createLazyAwsClients(
  options: AwsClientOptions,
  instrument: LazyAwsClientsOptions = {},
): LazyAwsClients {
  const built = new Map<AwsService, AwsClients[AwsService]>();
  let destroyed = false;
  const get = <K extends AwsService>(service: K): AwsClients[K] => {
    let client = built.get(service) as AwsClients[K] | undefined;
    if (client) return client;
    if (destroyed) throw new Error(`AWS ${service} client requested after destroy()`);
    client = createAwsClient(service, options);
    const label = SERVICE_LABELS[service];
    instrumentClient(client as unknown as Parameters<typeof instrumentClient>[0], label, instrument);
    const operations = instrument.operations?.[label];
    if (instrument.counter && operations) initAwsRequestCounter(instrument.counter, { [label]: operations });
    built.set(service, client);
    return client;
  };
  const clients = {
    built: () => [...built.keys()],
    destroy() {
      destroyed = true;
      for (const client of built.values()) client.destroy();
      built.clear();
    },
  } as LazyAwsClients;
  // Getters, not enumerable: a spread or Object.keys() must not build every client.
  for (const service of AWS_SERVICES) Object.defineProperty(clients, service, { get: () => get(service) });
  return clients;
}
