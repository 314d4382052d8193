/**
 * cdk-nag 3 acknowledgements for wildcard IAM resources (AwsSolutions-IAM5). cdk-nag 3 needs one
 * acknowledgement per finding id, and ids embed logical ids and token renderings; this helper asks the
 * rule itself which findings a resource has and acknowledges those matching an expected pattern, each with
 * its reason. A finding no pattern matches stays reported, so synth (and the nag test) fails on it.
 */
import { CfnResource, Validations } from 'aws-cdk-lib';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export interface WildcardAcknowledgement {
  /** Matched against the finding, e.g. `Resource::arn:aws:iam::*:role/*`. */
  readonly match: RegExp;
  readonly reason: string;
}

export function acknowledgeWildcards(scope: IConstruct, acknowledgements: WildcardAcknowledgement[]): void {
  for (const construct of scope.node.findAll()) {
    if (!CfnResource.isCfnResource(construct)) continue;
    if (!['AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::IAM::ManagedPolicy'].includes(construct.cfnResourceType)) continue;
    const findings = rules.iam.IAMNoWildcardPermissions(construct);
    if (!Array.isArray(findings)) continue;
    for (const finding of findings) {
      const ack = acknowledgements.find((a) => a.match.test(finding));
      if (ack) Validations.of(construct).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: ack.reason });
    }
  }
}
