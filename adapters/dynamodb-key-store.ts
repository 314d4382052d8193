/**
 * The deployed key store (doc 0011): one DynamoDB item per issued access key in the stack's keys table
 * (partition key AccessKeyId), the secret encrypted by KMS under the stack's key with an encryption context
 * that binds it to its AccessKeyId and Account — a ciphertext copied to another item, or an item whose Account
 * was changed, no longer decrypts.
 *
 * Item: AccessKeyId (S), Account (S), CreatedAt (S), RevokedAt (S, once revoked), SecretCiphertext (B).
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTableIfMissing } from './dynamodb-tables.js';
import { DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import type { KMSClient } from '@aws-sdk/client-kms';
import { KEYS_KMS_KEY_OUTPUT, KEYS_TABLE_OUTPUT, KEY_PURPOSE, newAccessKey, validateAwsAccount } from '../core/auth/keys.js';
import type { AccessKeyInfo, ActiveKey, IssuedKey, KeyStore } from '../core/auth/keys.js';

export { KEYS_KMS_KEY_OUTPUT, KEYS_TABLE_OUTPUT, KEY_PURPOSE };

export interface DynamoDbKeyStoreOptions {
  dynamo: DynamoDBClient;
  kms: KMSClient;
  tableName: string;
  /** Key id or ARN of the KMS key that encrypts secrets (needed to create keys; decrypt reads it from the ciphertext). */
  kmsKeyId?: string;
  now?: () => Date;
}

const context = (accessKeyId: string, account: string) => ({ purpose: KEY_PURPOSE, AccessKeyId: accessKeyId, Account: account });

export class DynamoDbKeyStore implements KeyStore {
  constructor(private readonly options: DynamoDbKeyStoreOptions) {}

  async lookup(accessKeyId: string): Promise<ActiveKey | undefined> {
    const { Item: item } = await this.options.dynamo.send(
      new GetItemCommand({ TableName: this.options.tableName, Key: { AccessKeyId: { S: accessKeyId } }, ConsistentRead: true }),
    );
    if (!item || item.RevokedAt?.S || !item.Account?.S || !item.SecretCiphertext?.B) return undefined;
    const account = item.Account.S;
    const out = await this.options.kms.send(
      new DecryptCommand({
        CiphertextBlob: item.SecretCiphertext.B,
        EncryptionContext: context(accessKeyId, account),
        ...(this.options.kmsKeyId ? { KeyId: this.options.kmsKeyId } : {}),
      }),
    );
    if (!out.Plaintext) throw new Error('KMS returned no plaintext');
    return { secretAccessKey: Buffer.from(out.Plaintext).toString('utf8'), account };
  }

  async create(account: string): Promise<IssuedKey> {
    if (!this.options.kmsKeyId) throw new Error('creating keys needs the KMS key id of the keys table');
    validateAwsAccount(account);
    const key = newAccessKey(account, (this.options.now ?? (() => new Date()))());
    const encrypted = await this.options.kms.send(
      new EncryptCommand({
        KeyId: this.options.kmsKeyId,
        Plaintext: Buffer.from(key.secretAccessKey, 'utf8'),
        EncryptionContext: context(key.accessKeyId, key.account),
      }),
    );
    if (!encrypted.CiphertextBlob) throw new Error('KMS returned no ciphertext');
    await this.options.dynamo.send(
      new PutItemCommand({
        TableName: this.options.tableName,
        Item: {
          AccessKeyId: { S: key.accessKeyId },
          Account: { S: key.account },
          CreatedAt: { S: key.createdAt },
          SecretCiphertext: { B: encrypted.CiphertextBlob },
        },
        ConditionExpression: 'attribute_not_exists(AccessKeyId)',
      }),
    );
    return key;
  }

  async list(): Promise<AccessKeyInfo[]> {
    const keys: AccessKeyInfo[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.options.dynamo.send(
        new ScanCommand({
          TableName: this.options.tableName,
          ProjectionExpression: 'AccessKeyId, Account, CreatedAt, RevokedAt',
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        keys.push({
          accessKeyId: item.AccessKeyId?.S ?? '',
          account: item.Account?.S ?? '',
          createdAt: item.CreatedAt?.S ?? '',
          ...(item.RevokedAt?.S ? { revokedAt: item.RevokedAt.S } : {}),
        });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return keys.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async revoke(accessKeyId: string): Promise<boolean> {
    try {
      await this.options.dynamo.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { AccessKeyId: { S: accessKeyId } },
          UpdateExpression: 'SET RevokedAt = if_not_exists(RevokedAt, :now)',
          ConditionExpression: 'attribute_exists(AccessKeyId)',
          ExpressionAttributeValues: { ':now': { S: (this.options.now ?? (() => new Date()))().toISOString() } },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException || (e instanceof Error && e.name === 'ConditionalCheckFailedException')) return false;
      throw e;
    }
  }
}

/** The keys table's schema, for dynalite in tests (the stack creates the real one). */
export async function createKeysTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await createTableIfMissing(client, {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: 'AccessKeyId', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'AccessKeyId', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
}

/** Reads the table name and KMS key from a stack's CloudFormation outputs. */
export function storeOptionsFromOutputs(stackName: string, outputs: { OutputKey?: string; OutputValue?: string }[]): { tableName: string; kmsKeyId: string } {
  const value = (k: string) => outputs.find((o) => o.OutputKey === k)?.OutputValue;
  const tableName = value(KEYS_TABLE_OUTPUT);
  const kmsKeyId = value(KEYS_KMS_KEY_OUTPUT);
  if (!tableName || !kmsKeyId) {
    throw new Error(`stack ${stackName} has no ${KEYS_TABLE_OUTPUT}/${KEYS_KMS_KEY_OUTPUT} outputs: deploy it with -c apiAuth=keys`);
  }
  return { tableName, kmsKeyId };
}

/** `people-pathing keys --stack NAME`: the deployed store, with the caller's credentials and region. */
export async function keyStoreForStack(stackName: string): Promise<KeyStore> {
  const [{ CloudFormationClient, DescribeStacksCommand }, { DynamoDBClient }, { KMSClient }] = await Promise.all([
    import('@aws-sdk/client-cloudformation'),
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/client-kms'),
  ]);
  const cfn = new CloudFormationClient({});
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const { tableName, kmsKeyId } = storeOptionsFromOutputs(stackName, out.Stacks?.[0]?.Outputs ?? []);
    return new DynamoDbKeyStore({ dynamo: new DynamoDBClient({}), kms: new KMSClient({}), tableName, kmsKeyId });
  } finally {
    cfn.destroy();
  }
}
