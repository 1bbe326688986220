import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { isUuid } from '../../domain/ids.js';
import { dns1123LabelProblem, labelsProblems } from '../../domain/kubernetes-names.js';

function rule(
  name: string,
  check: (value: unknown) => string | null,
): (opts?: ValidationOptions) => PropertyDecorator {
  return (opts) => (target, property) => {
    let lastProblem = '';
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: property as string,
      options: opts,
      validator: {
        validate(value: unknown) {
          const p = check(value);
          lastProblem = p ?? '';
          return p === null;
        },
        defaultMessage(args: ValidationArguments) {
          return `${args.property} ${lastProblem}`;
        },
      },
    });
  };
}

/** A DNS-1123 label: the naming rule of clusters, repositories and applications. */
export const IsDns1123Label = rule('isDns1123Label', (v) =>
  typeof v !== 'string'
    ? 'must be a string'
    : (dns1123LabelProblem(v) ??
      (isUuid(v) ? 'must not have the form of a UUID (routes take an id or a name)' : null)),
);

/** A Kubernetes label map. */
export const IsLabelMap = rule('isLabelMap', (v) => {
  const problems = labelsProblems(v);
  return problems.length ? `is invalid: ${problems.join('; ')}` : null;
});
