import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { RunningSim } from "../../sim/index.js";

/** Stores `spec` as the MonitoringSpec parameter (`/ecsmon/spec`, the controller's default) in the simulator's SSM. */
export async function putSimSpec(sim: RunningSim, spec: string): Promise<void> {
  const ssm = new SSMClient({
    region: sim.region,
    endpoint: sim.endpoint,
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
  });
  try {
    await ssm.send(new PutParameterCommand({ Name: "/ecsmon/spec", Value: spec, Type: "String", Overwrite: true }));
  } finally {
    ssm.destroy();
  }
}
