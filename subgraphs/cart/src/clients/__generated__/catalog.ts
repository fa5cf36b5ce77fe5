/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
};

/** Give setOnHand (a count) or addOnHand (received or written off), and/or a threshold. */
export type AdjustStockInput = {
  /** Added to on hand: positive for goods received, negative for write-offs. */
  addOnHand: InputMaybe<Scalars['Int']['input']>;
  lowStockThreshold: InputMaybe<Scalars['Int']['input']>;
  productId: Scalars['ID']['input'];
  /** The new on-hand figure (counted stock). */
  setOnHand: InputMaybe<Scalars['Int']['input']>;
};

export type ProductInput = {
  description: Scalars['String']['input'];
  id: Scalars['ID']['input'];
  priceCents: Scalars['Int']['input'];
  title: Scalars['String']['input'];
};

export type CartProductsQueryVariables = Exact<{
  ids: Array<string> | string;
}>;


export type CartProductsQuery = { products: Array<{ id: string, title: string, priceCents: number, availableQuantity: number, inStock: boolean } | null> };


export const CartProductsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CartProducts"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"ids"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"products"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"ids"},"value":{"kind":"Variable","name":{"kind":"Name","value":"ids"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"priceCents"}},{"kind":"Field","name":{"kind":"Name","value":"availableQuantity"}},{"kind":"Field","name":{"kind":"Name","value":"inStock"}}]}}]}}]} as unknown as DocumentNode<CartProductsQuery, CartProductsQueryVariables>;