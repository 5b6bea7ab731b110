import { DeleteParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { RunningSim } from "../../sim/index.js";
import { PORT_PATH_LABEL } from "./demo-expected.js";
import { simClientConfig } from "./sim-clients.js";

/** A MonitoringSpec with the one cluster `name`; `clusterFields` are YAML lines of that cluster, indented six spaces. */
export function clusterSpec(name: string, clusterFields = ""): string {
  return `apiVersion: ecsmon.dev/v1alpha1\nkind: MonitoringSpec\nspec:\n  clusters:\n    - name: ${name}\n${clusterFields}`;
}

/** The demo cluster's spec as most stack tests use it: seed 002's `port/path` label, a fast scrape interval. */
export function demoSpec(interval = "1s", timeout = "900ms"): string {
  return clusterSpec(
    "demo",
    `      scrape:\n        interval: ${interval}\n        timeout: ${timeout}\n        labels: { portPath: ${PORT_PATH_LABEL} }\n`,
  );
}

/** Stores `spec` as the MonitoringSpec parameter (`/ecsmon/spec`, the controller's default) in the simulator's SSM. */
export async function putSimSpec(sim: RunningSim, spec: string, name = "/ecsmon/spec"): Promise<void> {
  const ssm = new SSMClient(simClientConfig(sim));
  try {
    await ssm.send(new PutParameterCommand({ Name: name, Value: spec, Type: "String", Overwrite: true }));
  } finally {
    ssm.destroy();
  }
}

/** Deletes the MonitoringSpec parameter from the simulator's SSM (the "spec disappeared" drills). */
export async function deleteSimSpec(sim: RunningSim, name = "/ecsmon/spec"): Promise<void> {
  const ssm = new SSMClient(simClientConfig(sim));
  try {
    await ssm.send(new DeleteParameterCommand({ Name: name }));
  } finally {
    ssm.destroy();
  }
}
