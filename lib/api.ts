/**
 * The Rekognition-compatible endpoint: a REST API, POST on / (botocore without a path, JS v3 adds "/") and
 * /{proxy+}, Lambda proxy integration. Authorization: AWS_IAM on every method by default (callers sign with the
 * service name execute-api, doc 0001), or with `auth: 'keys'` NONE, the Lambda verifying SigV4 for rekognition
 * against the keys the service issued (doc 0011). API Gateway's own errors are rewritten into the AWS JSON 1.1 error envelope (spec §9.7)
 * so botocore and JS v3 raise AccessDeniedException, ThrottlingException, InvalidSignatureException, ...
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ApiRateLimit } from './waf.js';

export const STAGE_NAME = 'prod';

/** Gateway response type → the Rekognition error name in `__type` (spec §1.3, §9.7). */
export const GATEWAY_ERRORS: ReadonlyArray<{ type: apigw.ResponseType; name: string; status?: string }> = [
  { type: apigw.ResponseType.ACCESS_DENIED, name: 'AccessDeniedException' },
  { type: apigw.ResponseType.UNAUTHORIZED, name: 'AccessDeniedException' },
  // "Signature expired: ..." stays in the message: JS v3 treats that InvalidSignatureException as clock skew and retries.
  { type: apigw.ResponseType.INVALID_SIGNATURE, name: 'InvalidSignatureException' },
  { type: apigw.ResponseType.EXPIRED_TOKEN, name: 'ExpiredTokenException' },
  { type: apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, name: 'MissingAuthenticationTokenException' },
  { type: apigw.ResponseType.THROTTLED, name: 'ThrottlingException' },
  { type: apigw.ResponseType.QUOTA_EXCEEDED, name: 'ThrottlingException' },
  // The web ACL's only rule is the per-IP rate limit (lib/waf.ts): a throttle, which the SDKs back off and retry on 429.
  { type: apigw.ResponseType.WAF_FILTERED, name: 'ThrottlingException', status: '429' },
  { type: apigw.ResponseType.REQUEST_TOO_LARGE, name: 'InvalidParameterException' },
  // Any other 4xx API Gateway raises itself (bad media type, bad request body, ...).
  { type: apigw.ResponseType.DEFAULT_4XX, name: 'InvalidParameterException' },
  { type: apigw.ResponseType.DEFAULT_5XX, name: 'InternalServerError' },
];

/** The body template of a gateway response: the AWS JSON error envelope, message from API Gateway. */
export function errorBodyTemplate(name: string): string {
  // $context.error.messageString is API Gateway's message already quoted as a JSON string.
  return `{"__type":"${name}","Code":"${name}","Logref":"$context.requestId","Message":$context.error.messageString}`;
}

export interface PeoplePathingApiProps {
  readonly handler: lambda.IFunction;
  /** Accounts besides the stack's own whose principals may invoke the API (config allowedAccounts). */
  readonly allowedAccounts: string[];
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  /** Default 'iam'. */
  readonly auth?: 'iam' | 'keys';
  /** A WAF rate-based rule per source IP in front of the stage (lib/waf.ts), in requests per 5 minutes; none if undefined. */
  readonly wafRateLimit?: number;
}

export class PeoplePathingApi extends Construct {
  readonly api: apigw.RestApi;

  constructor(scope: Construct, id: string, props: PeoplePathingApiProps) {
    super(scope, id);
    const keys = props.auth === 'keys';
    // With issued keys API Gateway must let the signature through untouched: the Lambda verifies it (it needs the body).
    const authorizationType = keys ? apigw.AuthorizationType.NONE : apigw.AuthorizationType.IAM;
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });

    this.api = new apigw.RestApi(this, 'Api', {
      description: 'Rekognition People Pathing compatible endpoint (StartPersonTracking / GetPersonTracking)',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: true,
      deployOptions: {
        stageName: STAGE_NAME,
        tracingEnabled: true,
        // Errors only, and never request/response bodies (they hold caller bucket names and job data).
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: props.throttleRateLimit,
        throttlingBurstLimit: props.throttleBurstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
      defaultMethodOptions: { authorizationType },
      // IAM mode: who may call at all — principals of the stack's own account (their identity policies decide, as
      // without a resource policy) and of each allowed account (a cross-account IAM call needs both this and the
      // caller's identity policy). Every other account is refused by API Gateway before the Lambda runs. Keys mode
      // has no IAM principal to name (requests are anonymous to API Gateway): the Lambda's key check is the gate.
      ...(keys
        ? {}
        : {
            policy: new iam.PolicyDocument({
              statements: [
                new iam.PolicyStatement({
                  sid: 'InvokeFromAllowedAccounts',
                  principals: [Stack.of(this).account, ...props.allowedAccounts].map((a) => new iam.AccountPrincipal(a)),
                  actions: ['execute-api:Invoke'],
                  resources: ['execute-api:/*'],
                }),
              ],
            }),
          }),
      // The SDKs send application/x-amz-json-1.1: never register it as binary (the body would arrive base64).
      binaryMediaTypes: [],
    });

    const integration = new apigw.LambdaIntegration(props.handler, { proxy: true });
    this.api.root.addMethod('POST', integration, { authorizationType });
    this.api.root.addResource('{proxy+}').addMethod('POST', integration, { authorizationType });

    for (const { type, name, status } of GATEWAY_ERRORS) {
      const template = errorBodyTemplate(name);
      this.api.addGatewayResponse(`Gw${type.responseType}`, {
        type,
        statusCode: status,
        responseHeaders: {
          'Content-Type': "'application/x-amz-json-1.1'",
          'x-amzn-ErrorType': `'${name}'`,
        },
        // Gateway responses pick a template by the request's content type; the SDKs send x-amz-json-1.1.
        templates: { 'application/json': template, 'application/x-amz-json-1.1': template },
      });
    }

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason: 'AWS JSON 1.1 bodies are validated by the API Lambda, which must answer Rekognition-shaped InvalidParameterException errors that a request validator cannot produce.',
    });
    if (props.wafRateLimit !== undefined) {
      new ApiRateLimit(this, 'Waf', { stage: this.api.deploymentStage, requestsPerFiveMinutes: props.wafRateLimit });
    } else {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: keys
          ? 'The deployment refused the WAF (-c waf=false): every request must carry a SigV4 signature the API Lambda verifies against the issued keys (doc 0011) and the stage is throttled.'
          : 'Every method requires SigV4 (AWS_IAM), so unsigned floods stop at API Gateway, and the stage is throttled; the per-IP WAF rule is available with -c waf=true (doc/deploy.md).',
      });
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: keys
        ? 'Callers hold access keys the service issued (people-pathing keys create) and sign with SigV4 as for Rekognition; there are no Cognito users.'
        : 'Callers are AWS principals authorised with IAM (execute-api:Invoke), as Rekognition callers were; there are no Cognito users.',
    });
    if (keys) {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'apiAuth=keys: API Gateway authorization is NONE because it can only verify signatures for execute-api; the API Lambda verifies each SigV4 signature for rekognition over headers and body against the issued keys before any work (core/auth/sigv4.ts, doc 0011).',
      });
    }
  }
}
