import type { Request } from 'express';

interface RouteLayer {
  route?: { methods: Record<string, boolean> };
  match(path: string): boolean;
}

interface RouterLike {
  stack: RouteLayer[];
}

/** Methods the app routes for this request's path (empty when the path is not routed at all). */
export function allowedMethodsFor(request: Request): string[] {
  const router = (request.app as unknown as { router?: RouterLike }).router;
  const methods = new Set<string>();
  for (const layer of router?.stack ?? []) {
    if (!layer.route) continue;
    let matches = false;
    try {
      matches = layer.match(request.path);
    } catch {
      matches = false;
    }
    if (matches)
      for (const method of Object.keys(layer.route.methods)) methods.add(method.toUpperCase());
  }
  return [...methods].filter((m) => m !== '_ALL').sort();
}
