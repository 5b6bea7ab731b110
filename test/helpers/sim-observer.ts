import type { EC2Client } from "@aws-sdk/client-ec2";
import { type ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll } from "vitest";
import type { ClusterObserver } from "../../controller/observe/cluster-observer.js";
import { createClusterObserver } from "../../controller/observe/create-observer.js";
import type { ClusterSpec, TaskSize } from "../../crds-like-schemas/index.js";
import { createAwsClients } from "../../lib/aws/clients.js";
import { type RunningSim, type StartSimOptions, startSim } from "../../sim/index.js";

/** A simulator with ECS/EC2 clients and an observer for one spec; the fields are set once `beforeAll` has run. */
export interface SimObserverFixture {
  sim: RunningSim;
  ecs: ECSClient;
  ec2: EC2Client;
  observer: ClusterObserver;
  /** A full (not incremental) observation of the cluster as it is now. */
  observeNow(): ReturnType<ClusterObserver["observe"]>;
}

/**
 * Registers the suite's `beforeAll`/`afterAll`: starts the simulator with `options`, builds single-attempt SDK
 * clients and an observer for `spec`, and stops and destroys them after the suite.
 */
export function useSimObserver(spec: ClusterSpec, options: StartSimOptions): SimObserverFixture {
  const fixture = {
    observeNow() {
      fixture.observer.requestFullRefresh();
      return fixture.observer.observe();
    },
  } as SimObserverFixture;
  beforeAll(async () => {
    fixture.sim = await startSim(options);
    const { ecs, ec2 } = createAwsClients({
      region: fixture.sim.region,
      endpointUrl: fixture.sim.endpoint,
      maxAttempts: 1,
    });
    Object.assign(fixture, {
      ecs,
      ec2,
      observer: createClusterObserver(spec, { region: fixture.sim.region, clients: { ecs, ec2 } }),
    });
  });
  afterAll(async () => {
    fixture.ecs?.destroy();
    fixture.ec2?.destroy();
    await fixture.sim?.stop();
  });
  return fixture;
}

/**
 * Registers a task definition `family` shaped like `size` (awsvpc or bridge, the size's CPU and memory) and returns
 * a function that runs one task of it on `cluster` (EC2 launch type, in the simulator's subnet when awsvpc).
 */
export async function registerSizedTask(ecs: ECSClient, cluster: string, family: string, size: TaskSize) {
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: size.awsvpc ? "awsvpc" : "bridge",
      cpu: String(size.cpu),
      memory: String(size.memory),
      containerDefinitions: [{ name: "app", image: "public.ecr.aws/ecsmon/sim-workload:latest", essential: true }],
    }),
  );
  return () =>
    ecs.send(
      new RunTaskCommand({
        cluster,
        taskDefinition: family,
        launchType: "EC2",
        ...(size.awsvpc ? { networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-0sim"] } } } : {}),
      }),
    );
}
