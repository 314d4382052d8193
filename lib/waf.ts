/**
 * A web ACL in front of the API stage (AWS WAF, REGIONAL): one rate-based rule that blocks a source IP sending more
 * than `requestsPerFiveMinutes` requests in a 5-minute window, so one caller's flood cannot use up the stage's
 * shared throttle for everyone. On by default with apiAuth=keys, where API Gateway itself authenticates nobody and
 * every request reaches the API Lambda's signature check (`-c waf=false` to refuse). Blocked requests get API
 * Gateway's WAF_FILTERED response, rewritten to Rekognition's ThrottlingException (lib/api.ts), which the SDKs back
 * off and retry. Cost: doc/deploy.md (Keys mode and WAF).
 */
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** Default per-IP limit: a quarter of the default stage throttle (20 requests/s) over the 5-minute window. */
export const DEFAULT_WAF_RATE_LIMIT = 1500;
export const WAF_WINDOW_SECONDS = 300;

export interface ApiRateLimitProps {
  readonly stage: apigw.Stage;
  /** Requests one source IP may send per 5 minutes before it is blocked (WAF's minimum is 10). */
  readonly requestsPerFiveMinutes: number;
}

export class ApiRateLimit extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiRateLimitProps) {
    super(scope, id);
    if (!Number.isInteger(props.requestsPerFiveMinutes) || props.requestsPerFiveMinutes < 10) {
      throw new Error(`wafRateLimit must be an integer of at least 10 requests per 5 minutes, got ${props.requestsPerFiveMinutes}`);
    }
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      // Sampled requests would keep caller IPs and headers in WAF's console: not needed to operate a rate limit.
      sampledRequestsEnabled: false,
    });
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'people-pathing: per-source-IP rate limit in front of the API',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('people-pathing-api'),
      rules: [
        {
          name: 'RatePerSourceIp',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: { limit: props.requestsPerFiveMinutes, aggregateKeyType: 'IP', evaluationWindowSec: WAF_WINDOW_SECONDS },
          },
          visibilityConfig: visibility('people-pathing-rate-per-ip'),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'StageAssociation', { resourceArn: props.stage.stageArn, webAclArn: this.webAcl.attrArn });
  }
}
