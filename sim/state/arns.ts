/** ARN builders in the ECS long ARN format (the default since 2021). */
export class ArnBuilder {
  constructor(
    readonly region: string,
    readonly accountId: string,
  ) {}

  private prefix(): string {
    return `arn:aws:ecs:${this.region}:${this.accountId}`;
  }

  cluster(name: string): string {
    return `${this.prefix()}:cluster/${name}`;
  }

  containerInstance(clusterName: string, id: string): string {
    return `${this.prefix()}:container-instance/${clusterName}/${id}`;
  }

  task(clusterName: string, id: string): string {
    return `${this.prefix()}:task/${clusterName}/${id}`;
  }

  container(clusterName: string, taskId: string, uuid: string): string {
    return `${this.prefix()}:container/${clusterName}/${taskId}/${uuid}`;
  }

  taskDefinition(family: string, revision: number): string {
    return `${this.prefix()}:task-definition/${family}:${revision}`;
  }

  service(clusterName: string, serviceName: string): string {
    return `${this.prefix()}:service/${clusterName}/${serviceName}`;
  }
}

/** The last `/`-separated segment of an ARN, or the input when it has none. */
export function lastSegment(arnOrId: string): string {
  const i = arnOrId.lastIndexOf("/");
  return i < 0 ? arnOrId : arnOrId.slice(i + 1);
}

/** The cluster name inside a cluster ARN, or the input itself (a name). */
export function clusterNameOf(nameOrArn: string): string {
  return nameOrArn.startsWith("arn:") ? lastSegment(nameOrArn) : nameOrArn;
}
