import type {
  DescribeInstancesCommandInput,
  DescribeInstancesCommandOutput,
  DescribeInstanceTypesCommandInput,
  DescribeInstanceTypesCommandOutput,
} from "@aws-sdk/client-ec2";
import type {
  DescribeClustersCommandInput,
  DescribeClustersCommandOutput,
  DescribeContainerInstancesCommandInput,
  DescribeContainerInstancesCommandOutput,
  DescribeServicesCommandInput,
  DescribeServicesCommandOutput,
  DescribeTaskDefinitionCommandInput,
  DescribeTaskDefinitionCommandOutput,
  DescribeTasksCommandInput,
  DescribeTasksCommandOutput,
  ListContainerInstancesCommandInput,
  ListContainerInstancesCommandOutput,
  ListServicesCommandInput,
  ListServicesCommandOutput,
  ListTasksCommandInput,
  ListTasksCommandOutput,
} from "@aws-sdk/client-ecs";
import type {
  ListServicesCommandInput as CloudMapListServicesInput,
  ListServicesCommandOutput as CloudMapListServicesOutput,
  ListInstancesCommandInput,
  ListInstancesCommandOutput,
  ListNamespacesCommandInput,
  ListNamespacesCommandOutput,
  ListTagsForResourceCommandInput,
  ListTagsForResourceCommandOutput,
} from "@aws-sdk/client-servicediscovery";

/** A response without the SDK's `$metadata`, so that fakes in unit tests stay small. */
export type Out<T> = Omit<T, "$metadata">;

/** The ECS calls the observer makes, and nothing else. */
export interface EcsApi {
  describeClusters(input: DescribeClustersCommandInput): Promise<Out<DescribeClustersCommandOutput>>;
  listTasks(input: ListTasksCommandInput): Promise<Out<ListTasksCommandOutput>>;
  describeTasks(input: DescribeTasksCommandInput): Promise<Out<DescribeTasksCommandOutput>>;
  describeTaskDefinition(input: DescribeTaskDefinitionCommandInput): Promise<Out<DescribeTaskDefinitionCommandOutput>>;
  listContainerInstances(input: ListContainerInstancesCommandInput): Promise<Out<ListContainerInstancesCommandOutput>>;
  describeContainerInstances(
    input: DescribeContainerInstancesCommandInput,
  ): Promise<Out<DescribeContainerInstancesCommandOutput>>;
  listServices(input: ListServicesCommandInput): Promise<Out<ListServicesCommandOutput>>;
  describeServices(input: DescribeServicesCommandInput): Promise<Out<DescribeServicesCommandOutput>>;
}

/** The EC2 calls the observer makes. */
export interface Ec2Api {
  describeInstances(input: DescribeInstancesCommandInput): Promise<Out<DescribeInstancesCommandOutput>>;
  describeInstanceTypes(input: DescribeInstanceTypesCommandInput): Promise<Out<DescribeInstanceTypesCommandOutput>>;
}

/** The Cloud Map (servicediscovery) calls the observer makes. */
export interface CloudMapApi {
  listNamespaces(input: ListNamespacesCommandInput): Promise<Out<ListNamespacesCommandOutput>>;
  listServices(input: CloudMapListServicesInput): Promise<Out<CloudMapListServicesOutput>>;
  listInstances(input: ListInstancesCommandInput): Promise<Out<ListInstancesCommandOutput>>;
  listTagsForResource(input: ListTagsForResourceCommandInput): Promise<Out<ListTagsForResourceCommandOutput>>;
}
