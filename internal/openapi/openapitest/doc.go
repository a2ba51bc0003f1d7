// Package openapitest is test support: it holds a server to the OpenAPI
// document of package openapi. Only tests import it.
//
// It offers a JSON Schema validator over the document's schemas (Validate),
// a route-table cross-check (CheckRoutes) and a lookup of the schema, media
// type and security a real response or route must match (ResponseSchema,
// ResponseMediaType, OperationSecurity). Its own tests hold the document to
// itself and to the wire types in apitype.
package openapitest
