/**
 * Creating a table for local mode and tests (dynalite): the CDK stack defines the real tables with the same key
 * schemas. An existing table is kept; either way the call returns once the table is ACTIVE.
 */
import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export async function createTableIfMissing(client: DynamoDBClient, input: CreateTableCommandInput & { TableName: string }): Promise<void> {
  try {
    await client.send(new CreateTableCommand(input));
  } catch (e) {
    if (!(e instanceof ResourceInUseException || (e instanceof Error && e.name === 'ResourceInUseException'))) throw e;
  }
  for (let i = 0; i < 600; i++) {
    const out = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`table ${input.TableName} did not become ACTIVE`);
}
