/**
 * `people-pathing keys --stack NAME` finds the deployed key store through the stack's CloudFormation outputs.
 * CloudFormation cannot run here: its client is mocked (the store itself is tested on dynalite in
 * test/integration/adapters-dynamodb-key-store.test.ts).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbKeyStore, keyStoreForStack } from '../../adapters/dynamodb-key-store.js';

describe('keys --stack', () => {
  const cfn = mockClient(CloudFormationClient);
  afterEach(() => cfn.reset());
  afterAll(() => cfn.restore());

  it('opens the table named by the outputs of the stack asked for', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'pp-prod' }).resolves({
      Stacks: [
        {
          StackName: 'pp-prod',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'AccessKeysTable', OutputValue: 'pp-prod-AccessKeys-1' },
            { OutputKey: 'AccessKeysKmsKey', OutputValue: 'arn:aws:kms:eu-west-1:123456789012:key/k' },
          ],
        },
      ],
    });
    const store = await keyStoreForStack('pp-prod');
    expect(store).toBeInstanceOf(DynamoDbKeyStore);
    expect((store as unknown as { options: { tableName: string; kmsKeyId: string } }).options).toMatchObject({
      tableName: 'pp-prod-AccessKeys-1',
      kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/k',
    });
  });

  it('says to deploy with -c apiAuth=keys when the stack has no key store', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'iam', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'Endpoint', OutputValue: 'https://x' }] }] });
    await expect(keyStoreForStack('iam')).rejects.toThrow('stack iam has no AccessKeysTable/AccessKeysKmsKey outputs: deploy it with -c apiAuth=keys');
  });
});
