import { DescribeInstancesCommand, DescribeInstanceTypesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import {
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListContainerInstancesCommand,
  ListServicesCommand,
  ListTasksCommand,
} from "@aws-sdk/client-ecs";
import {
  ListServicesCommand as CloudMapListServicesCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ListTagsForResourceCommand,
  type ServiceDiscoveryClient,
} from "@aws-sdk/client-servicediscovery";
import type { CloudMapApi, Ec2Api, EcsApi } from "./aws-apis.js";

/** {@link EcsApi} over an SDK client (which carries the budget and call-counting middleware). */
export function ecsApiFromClient(client: ECSClient): EcsApi {
  return {
    describeClusters: (input) => client.send(new DescribeClustersCommand(input)),
    listTasks: (input) => client.send(new ListTasksCommand(input)),
    describeTasks: (input) => client.send(new DescribeTasksCommand(input)),
    describeTaskDefinition: (input) => client.send(new DescribeTaskDefinitionCommand(input)),
    listContainerInstances: (input) => client.send(new ListContainerInstancesCommand(input)),
    describeContainerInstances: (input) => client.send(new DescribeContainerInstancesCommand(input)),
    listServices: (input) => client.send(new ListServicesCommand(input)),
    describeServices: (input) => client.send(new DescribeServicesCommand(input)),
  };
}

/** {@link Ec2Api} over an SDK client. */
export function ec2ApiFromClient(client: EC2Client): Ec2Api {
  return {
    describeInstances: (input) => client.send(new DescribeInstancesCommand(input)),
    describeInstanceTypes: (input) => client.send(new DescribeInstanceTypesCommand(input)),
  };
}

/** {@link CloudMapApi} over an SDK client. */
export function cloudMapApiFromClient(client: ServiceDiscoveryClient): CloudMapApi {
  return {
    listNamespaces: (input) => client.send(new ListNamespacesCommand(input)),
    listServices: (input) => client.send(new CloudMapListServicesCommand(input)),
    listInstances: (input) => client.send(new ListInstancesCommand(input)),
    listTagsForResource: (input) => client.send(new ListTagsForResourceCommand(input)),
  };
}
