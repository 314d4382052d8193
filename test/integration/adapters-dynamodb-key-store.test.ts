/**
 * The deployed key store (adapters/dynamodb-key-store.ts) on dynalite, with KMS faked at least as strictly
 * as KMS on the encryption context (test/fixtures/kms-fake.ts); the verifying cache of at most 60 s; and
 * `people-pathing keys --stack` driving that store.
 */
import { GetItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { startEmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import type { EmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import { DynamoDbKeyStore, KEYS_KMS_KEY_OUTPUT, KEYS_TABLE_OUTPUT, createKeysTable, storeOptionsFromOutputs } from '../../adapters/dynamodb-key-store.js';
import { CachedKeyLookup, ACCESS_KEY_ID_PATTERN } from '../../core/auth/keys.js';
import { run as keysCli } from '../../cli/keys.js';
import { fakeKms } from '../fixtures/kms-fake.js';
import type { FakeKms } from '../fixtures/kms-fake.js';

describe('DynamoDbKeyStore on dynalite with KMS-encrypted secrets', () => {
  let dynamo: EmbeddedDynamo;
  let kms: FakeKms;
  let store: DynamoDbKeyStore;
  let n = 0;
  let tableName = '';

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    kms = fakeKms();
  });
  beforeEach(async () => {
    tableName = `keys-${++n}`;
    await createKeysTable(dynamo.client, tableName);
    store = new DynamoDbKeyStore({ dynamo: dynamo.client, kms: kms.client, tableName, kmsKeyId: kms.keyArn });
  });
  afterAll(async () => {
    kms?.restore();
    await dynamo?.close();
  });

  it('creates a key whose secret is stored only as KMS ciphertext, and looks it up', async () => {
    const key = await store.create('111111111111');
    expect(key.accessKeyId).toMatch(ACCESS_KEY_ID_PATTERN);
    expect(key.secretAccessKey).toHaveLength(40);
    const { Items } = await dynamo.client.send(new ScanCommand({ TableName: tableName }));
    expect(Items).toHaveLength(1);
    const raw = JSON.stringify(Items, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    expect(raw).not.toContain(key.secretAccessKey);
    expect(Object.keys(Items![0]!).sort()).toEqual(['AccessKeyId', 'Account', 'CreatedAt', 'SecretCiphertext']);
    expect(await store.lookup(key.accessKeyId)).toEqual({ secretAccessKey: key.secretAccessKey, account: '111111111111' });
    expect(await store.lookup('AKPPAAAAAAAAAAAAAAAA')).toBeUndefined();
  });

  it('does not decrypt a secret whose item was given another account (encryption context)', async () => {
    const key = await store.create('111111111111');
    await dynamo.client.send(
      new UpdateItemCommand({ TableName: tableName, Key: { AccessKeyId: { S: key.accessKeyId } }, UpdateExpression: 'SET Account = :a', ExpressionAttributeValues: { ':a': { S: '999999999999' } } }),
    );
    await expect(store.lookup(key.accessKeyId)).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });

  it("does not decrypt a ciphertext copied onto another key's item", async () => {
    const a = await store.create('111111111111');
    const b = await store.create('111111111111');
    const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: tableName, Key: { AccessKeyId: { S: a.accessKeyId } } }));
    await dynamo.client.send(
      new UpdateItemCommand({ TableName: tableName, Key: { AccessKeyId: { S: b.accessKeyId } }, UpdateExpression: 'SET SecretCiphertext = :c', ExpressionAttributeValues: { ':c': Item!.SecretCiphertext! } }),
    );
    await expect(store.lookup(b.accessKeyId)).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });

  it('revokes: the key stops verifying; list shows it revoked and never a secret; unknown ids are reported', async () => {
    const key = await store.create('111111111111');
    const other = await store.create('222222222222');
    expect(await store.revoke(key.accessKeyId)).toBe(true);
    expect(await store.lookup(key.accessKeyId)).toBeUndefined();
    expect(await store.revoke('AKPPAAAAAAAAAAAAAAAA')).toBe(false);
    const listed = await store.list();
    expect(listed.map((k) => [k.accessKeyId, k.account, Boolean(k.revokedAt)])).toEqual(
      expect.arrayContaining([
        [key.accessKeyId, '111111111111', true],
        [other.accessKeyId, '222222222222', false],
      ]),
    );
    expect(JSON.stringify(listed)).not.toContain(key.secretAccessKey);
  });

  it('behind the 60 s cache a revoked key stops verifying within a minute, and only one decrypt per minute is paid', async () => {
    let clock = 0;
    const cached = new CachedKeyLookup(store, 60_000, () => clock);
    const key = await store.create('111111111111');
    const before = kms.calls.decrypt;
    expect(await cached.lookup(key.accessKeyId)).toBeDefined();
    clock += 30_000;
    expect(await cached.lookup(key.accessKeyId)).toBeDefined();
    expect(kms.calls.decrypt - before).toBe(1);
    await store.revoke(key.accessKeyId);
    clock += 30_001;
    expect(await cached.lookup(key.accessKeyId)).toBeUndefined();
  });

  it('keys create/list/revoke --stack drive the deployed store', async () => {
    const out: string[] = [];
    const io = { stackStore: async (name: string) => (name === 'pp-prod' ? store : Promise.reject(new Error('no such stack'))), out: (s: string) => out.push(s) };
    expect(await keysCli(['create', '--account', '123456789012', '--stack', 'pp-prod', '--json'], io)).toBe(0);
    const created = JSON.parse(out.join('')) as { AccessKeyId: string; SecretAccessKey: string; Account: string };
    expect(await store.lookup(created.AccessKeyId)).toEqual({ secretAccessKey: created.SecretAccessKey, account: '123456789012' });
    out.length = 0;
    expect(await keysCli(['revoke', created.AccessKeyId, '--stack', 'pp-prod'], io)).toBe(0);
    expect(await store.lookup(created.AccessKeyId)).toBeUndefined();
    expect(await keysCli(['list', '--stack', 'pp-prod', '--json'], io)).toBe(0);
    expect(JSON.parse(out.pop()!)).toEqual([expect.objectContaining({ AccessKeyId: created.AccessKeyId, Account: '123456789012', RevokedAt: expect.any(String) })]);
  });
});

describe('keys --stack resolution', () => {
  it('reads the table and KMS key from the stack outputs, and says how to deploy when they are missing', () => {
    expect(
      storeOptionsFromOutputs('s', [
        { OutputKey: KEYS_TABLE_OUTPUT, OutputValue: 't' },
        { OutputKey: KEYS_KMS_KEY_OUTPUT, OutputValue: 'arn:k' },
      ]),
    ).toEqual({ tableName: 't', kmsKeyId: 'arn:k' });
    expect(() => storeOptionsFromOutputs('s', [{ OutputKey: 'Endpoint', OutputValue: 'https://x' }])).toThrow(/-c apiAuth=keys/);
  });
});
