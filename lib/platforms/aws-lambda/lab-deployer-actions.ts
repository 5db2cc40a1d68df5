/**
 * The IAM actions the lab stacks' CloudFormation service role (`LabDeployer`) needs: the create,
 * read and delete handler permissions that AWS's resource provider schemas publish for each
 * resource type of the lab template, less the ones that serve only properties the template never
 * sets. Both lists live in lab-handler-permissions.json, with their source and a reason for each
 * action left out; the role is built from {@link labDeployerActions} and its test holds it there.
 */
import permissions from './lab-handler-permissions.json';

/** The handlers a lab stack calls: create (and the read after it), delete (and rollback). */
export const LAB_STACK_HANDLERS = ['create', 'read', 'delete'] as const;

/** The resource types whose handler permissions are recorded, e.g. `AWS::Lambda::Function`. */
export const LAB_HANDLER_TYPES: readonly string[] = Object.keys(permissions.handlers);

/** Every action the recorded handlers list, sorted and without repeats. */
export function labHandlerActions(): string[] {
  const actions = Object.values(permissions.handlers).flatMap((handlers) => LAB_STACK_HANDLERS.flatMap((handler) => handlers[handler]));
  return [...new Set(actions)].sort();
}

/** The listed actions the role does not get, with why (each serves only a property the template leaves unset). */
export const LAB_ACTIONS_NOT_GRANTED: Readonly<Record<string, string>> = permissions.notGranted;

/** The actions the `LabDeployer` role gets: the handlers' actions less {@link LAB_ACTIONS_NOT_GRANTED}. */
export function labDeployerActions(): string[] {
  return labHandlerActions().filter((action) => !(action in LAB_ACTIONS_NOT_GRANTED));
}
