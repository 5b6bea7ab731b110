import type { ClusterStore } from "../../state/cluster-store.js";
import { AwsError, type OperationHandler } from "../service.js";
import { ecsReader, invalid, paginate } from "./ecs-input.js";
import { shapeService } from "./ecs-shapes.js";
import { includesTags, readTags, tagBook } from "./ecs-tags.js";

const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,254}$/;

/** CreateService, UpdateService, DeleteService, ListServices, DescribeServices. */
export function serviceOperations(store: ClusterStore): Record<string, OperationHandler> {
  const tags = tagBook(store);
  const CreateService: OperationHandler = (input) => {
    const r = ecsReader(input);
    const serviceName = r.reqStr("serviceName");
    if (!SERVICE_NAME.test(serviceName)) {
      throw invalid(
        "Service name can have up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.",
      );
    }
    const cluster = store.requireCluster(r.str("cluster"));
    const taskDefinition = r.reqStr("taskDefinition");
    const schedulingStrategy = r.oneOf("schedulingStrategy", ["REPLICA", "DAEMON"] as const);
    const desiredCount = r.num("desiredCount", { integer: true, min: 0 });
    const launchType = r.oneOf("launchType", ["EC2", "FARGATE"] as const);
    const requestedTags = readTags(r);
    const propagateTags = r.oneOf("propagateTags", ["NONE", "SERVICE", "TASK_DEFINITION"] as const) ?? "NONE";
    const def = store.resolveTaskDefinition(taskDefinition);
    if (!def) throw new AwsError("ClientException", "TaskDefinition not found.");
    if ((def.networkMode === "awsvpc" || launchType === "FARGATE") && !input.networkConfiguration) {
      throw invalid("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    }
    if (schedulingStrategy === "DAEMON" && launchType === "FARGATE") {
      throw invalid("The daemon scheduling strategy does not support FARGATE launch type.");
    }
    if (schedulingStrategy !== "DAEMON" && desiredCount === undefined) {
      throw invalid("The desired count must be specified for a service using the REPLICA scheduling strategy.");
    }
    // Tags and propagation are recorded before the scheduler starts the service's first tasks.
    const serviceArn = store.arns.service(cluster.clusterName, serviceName);
    if (!store.service(cluster.clusterArn, serviceArn)) {
      tags.add(serviceArn, requestedTags);
      tags.setPropagation(serviceArn, propagateTags);
    }
    const service = store.createService({
      cluster: cluster.clusterArn,
      serviceName,
      taskDefinition,
      desiredCount,
      launchType,
      schedulingStrategy,
      networkConfiguration: input.networkConfiguration,
    });
    return { service: { ...shapeService(store, service), propagateTags, tags: tags.list(service.serviceArn) } };
  };

  const UpdateService: OperationHandler = (input) => {
    const r = ecsReader(input);
    const serviceRef = r.reqStr("service");
    const cluster = store.requireCluster(r.str("cluster"));
    const service = store.updateService({
      cluster: cluster.clusterArn,
      service: serviceRef,
      desiredCount: r.num("desiredCount", { integer: true, min: 0 }),
      taskDefinition: r.str("taskDefinition"),
      forceNewDeployment: r.bool("forceNewDeployment"),
    });
    return { service: shapeService(store, service) };
  };

  const DeleteService: OperationHandler = (input) => {
    const r = ecsReader(input);
    const serviceRef = r.reqStr("service");
    const cluster = store.requireCluster(r.str("cluster"));
    const existing = store.service(cluster.clusterArn, serviceRef);
    if (existing && existing.status === "ACTIVE" && existing.desiredCount > 0 && !r.bool("force")) {
      throw invalid("The service cannot be stopped while it is scaled above 0.");
    }
    return { service: shapeService(store, store.deleteService(cluster.clusterArn, serviceRef)) };
  };

  const ListServices: OperationHandler = (input) => {
    const r = ecsReader(input);
    const cluster = store.requireCluster(r.str("cluster"));
    const launchType = r.oneOf("launchType", ["EC2", "FARGATE", "EXTERNAL"] as const);
    const strategy = r.oneOf("schedulingStrategy", ["REPLICA", "DAEMON"] as const);
    const arns = store
      .services(cluster.clusterArn)
      .filter((s) => s.status !== "INACTIVE")
      .filter((s) => launchType === undefined || s.launchType === launchType)
      .filter((s) => strategy === undefined || (s.schedulingStrategy ?? "REPLICA") === strategy)
      .map((s) => s.serviceArn);
    const { page, nextToken } = paginate(r, arns, `${cluster.clusterArn}|${launchType}|${strategy}`, {
      max: 100,
      default: 10,
    });
    return { serviceArns: page, nextToken };
  };

  const DescribeServices: OperationHandler = (input) => {
    const r = ecsReader(input);
    const refs = r.list<string>("services") ?? r.missing("services");
    if (refs.length === 0) throw invalid("Services cannot be empty.");
    if (refs.length > 10) throw invalid("Services cannot be longer than 10.");
    const withTags = includesTags(r, ["TAGS"]);
    const cluster = store.requireCluster(r.str("cluster"));
    const services: unknown[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const ref of refs) {
      const service = typeof ref === "string" ? store.service(cluster.clusterArn, ref) : undefined;
      if (service) {
        const shape = { ...shapeService(store, service), propagateTags: tags.propagationOf(service.serviceArn) };
        services.push(withTags ? { ...shape, tags: tags.list(service.serviceArn) } : shape);
      } else
        failures.push({
          arn: String(ref).startsWith("arn:") ? String(ref) : store.arns.service(cluster.clusterName, String(ref)),
          reason: "MISSING",
        });
    }
    return { services, failures };
  };

  return { CreateService, UpdateService, DeleteService, ListServices, DescribeServices };
}
