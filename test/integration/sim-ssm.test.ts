import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  ParameterVersionNotFound,
  PutParameterCommand,
  SSMServiceException,
} from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import { createAwsClients } from "../../lib/aws/clients.js";
import { createSsmService, SsmParameterStore } from "../../sim/aws/services/ssm.js";
import { rejectionOf, useAwsFront } from "../helpers/use-sim.js";

const store = new SsmParameterStore();
const fx = useAwsFront([createSsmService(store)]);

describe("simulated SSM through @aws-sdk/client-ssm", () => {
  it("puts, overwrites and reads a parameter with increasing versions", async () => {
    const put = await fx.aws.ssm.send(new PutParameterCommand({ Name: "/ecsmon/spec", Value: "a: 1", Type: "String" }));
    expect(put).toMatchObject({ Version: 1, Tier: "Standard" });
    const again = await fx.aws.ssm.send(
      new PutParameterCommand({ Name: "/ecsmon/spec", Value: "a: 2", Overwrite: true }),
    );
    expect(again.Version).toBe(2);
    const got = await fx.aws.ssm.send(new GetParameterCommand({ Name: "/ecsmon/spec" }));
    expect(got.Parameter).toMatchObject({
      Name: "/ecsmon/spec",
      Value: "a: 2",
      Version: 2,
      Type: "String",
      DataType: "text",
    });
    expect(got.Parameter?.ARN).toBe("arn:aws:ssm:us-east-1:000000000000:parameter/ecsmon/spec");
    expect(got.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    const v1 = await fx.aws.ssm.send(new GetParameterCommand({ Name: "/ecsmon/spec:1" }));
    expect(v1.Parameter).toMatchObject({ Value: "a: 1", Version: 1, Selector: ":1" });
  });

  it("maps every error to its typed SDK exception", async () => {
    await fx.aws.ssm.send(new PutParameterCommand({ Name: "/err/p", Value: "x", Type: "String" }));
    expect(await rejectionOf(fx.aws.ssm.send(new GetParameterCommand({ Name: "/nope" })))).toBeInstanceOf(
      ParameterNotFound,
    );
    expect(await rejectionOf(fx.aws.ssm.send(new DeleteParameterCommand({ Name: "/nope" })))).toBeInstanceOf(
      ParameterNotFound,
    );
    expect(
      await rejectionOf(fx.aws.ssm.send(new PutParameterCommand({ Name: "/err/p", Value: "y", Type: "String" }))),
    ).toBeInstanceOf(ParameterAlreadyExists);
    expect(await rejectionOf(fx.aws.ssm.send(new GetParameterCommand({ Name: "/err/p:9" })))).toBeInstanceOf(
      ParameterVersionNotFound,
    );
    const invalid = (await rejectionOf(
      fx.aws.ssm.send(new PutParameterCommand({ Name: "/err/new", Value: "x" })),
    )) as SSMServiceException;
    expect(invalid).toBeInstanceOf(SSMServiceException);
    expect(invalid.name).toBe("ValidationException");
    expect(invalid.$metadata.httpStatusCode).toBe(400);
    const prefixed = (await rejectionOf(
      fx.aws.ssm.send(new PutParameterCommand({ Name: "/aws/x", Value: "x", Type: "String" })),
    )) as SSMServiceException;
    expect(prefixed.name).toBe("ValidationException");
    const arn = (await rejectionOf(
      fx.aws.ssm.send(
        new PutParameterCommand({ Name: "arn:aws:ssm:us-east-1:000000000000:parameter/x", Value: "x", Type: "String" }),
      ),
    )) as SSMServiceException;
    expect(arn.name).toBe("ValidationException");
    // Reads accept the ARN.
    const byArn = await fx.aws.ssm.send(
      new GetParameterCommand({ Name: "arn:aws:ssm:us-east-1:000000000000:parameter/err/p" }),
    );
    expect(byArn.Parameter?.Name).toBe("/err/p");
  });

  it("enforces the Standard (4 KB) and Advanced (8 KB) tier limits; Intelligent-Tiering upgrades", async () => {
    const big = "x".repeat(5000);
    const std = (await rejectionOf(
      fx.aws.ssm.send(new PutParameterCommand({ Name: "/tier/a", Value: big, Type: "String" })),
    )) as Error;
    expect(std.name).toBe("ValidationException");
    expect(std.message).toMatch(/4096/);
    const adv = await fx.aws.ssm.send(
      new PutParameterCommand({ Name: "/tier/a", Value: big, Type: "String", Tier: "Advanced" }),
    );
    expect(adv.Tier).toBe("Advanced");
    const smart = await fx.aws.ssm.send(
      new PutParameterCommand({ Name: "/tier/b", Value: big, Type: "String", Tier: "Intelligent-Tiering" }),
    );
    expect(smart.Tier).toBe("Advanced");
    const small = await fx.aws.ssm.send(
      new PutParameterCommand({ Name: "/tier/c", Value: "1", Type: "String", Tier: "Intelligent-Tiering" }),
    );
    expect(small.Tier).toBe("Standard");
    const huge = (await rejectionOf(
      fx.aws.ssm.send(
        new PutParameterCommand({ Name: "/tier/d", Value: "x".repeat(8193), Type: "String", Tier: "Advanced" }),
      ),
    )) as Error;
    expect(huge.name).toBe("ValidationException");
    const downgrade = (await rejectionOf(
      fx.aws.ssm.send(new PutParameterCommand({ Name: "/tier/a", Value: "1", Overwrite: true, Tier: "Standard" })),
    )) as Error;
    expect(downgrade.message).toMatch(/downgrade/);
  });

  it("keeps 100 versions, dropping the oldest", async () => {
    const name = "/versions/p";
    for (let i = 1; i <= 100; i++) {
      await fx.aws.ssm.send(new PutParameterCommand({ Name: name, Value: `v${i}`, Type: "String", Overwrite: true }));
    }
    const r101 = await fx.aws.ssm.send(new PutParameterCommand({ Name: name, Value: "v101", Overwrite: true }));
    expect(r101.Version).toBe(101);
    expect(await rejectionOf(fx.aws.ssm.send(new GetParameterCommand({ Name: `${name}:1` })))).toBeInstanceOf(
      ParameterVersionNotFound,
    );
    const v2 = await fx.aws.ssm.send(new GetParameterCommand({ Name: `${name}:2` }));
    expect(v2.Parameter?.Value).toBe("v2");
  });

  it("stores SecureString as-is and returns it only WithDecryption", async () => {
    await fx.aws.ssm.send(new PutParameterCommand({ Name: "/secure/token", Value: "s3cret", Type: "SecureString" }));
    const plain = await fx.aws.ssm.send(new GetParameterCommand({ Name: "/secure/token", WithDecryption: true }));
    expect(plain.Parameter?.Value).toBe("s3cret");
    const masked = await fx.aws.ssm.send(new GetParameterCommand({ Name: "/secure/token" }));
    expect(masked.Parameter?.Value).not.toBe("s3cret");
  });

  it("deletes parameters; parameters are regional", async () => {
    await fx.aws.ssm.send(new PutParameterCommand({ Name: "/del/p", Value: "x", Type: "String" }));
    await fx.aws.ssm.send(new DeleteParameterCommand({ Name: "/del/p" }));
    expect(await rejectionOf(fx.aws.ssm.send(new GetParameterCommand({ Name: "/del/p" })))).toBeInstanceOf(
      ParameterNotFound,
    );
    const local = createAwsClients({ region: "eu-west-3", endpointUrl: fx.server.url, maxAttempts: 1 });
    try {
      await local.ssm.send(new PutParameterCommand({ Name: "/regional/p", Value: "x", Type: "String" }));
      expect((await local.ssm.send(new GetParameterCommand({ Name: "/regional/p" }))).Parameter?.Value).toBe("x");
      // The default region did not see it.
      expect(await rejectionOf(fx.aws.ssm.send(new GetParameterCommand({ Name: "/regional/p" })))).toBeInstanceOf(
        ParameterNotFound,
      );
    } finally {
      local.destroy();
    }
  });

  it("counts requests per operation and outcome", () => {
    expect(fx.server.counters.total({ service: "ssm", operation: "PutParameter", outcome: "ok" })).toBeGreaterThan(100);
    expect(
      fx.server.counters.total({ service: "ssm", operation: "GetParameter", outcome: "client_error" }),
    ).toBeGreaterThan(0);
  });
});
