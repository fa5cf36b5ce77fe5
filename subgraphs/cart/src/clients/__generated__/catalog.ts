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
  /** A date-time string at UTC, such as 2007-12-03T10:15:30Z, compliant with the `date-time` format outlined in section 5.6 of the RFC 3339 profile of the ISO 8601 standard for representation of dates and times using the Gregorian calendar.This scalar is serialized to a string in ISO 8601 format and parsed from a string in ISO 8601 format. */
  DateTimeISO: { input: unknown; output: unknown; }
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

export type AttributeFilterInput = {
  name: Scalars['String']['input'];
  /** Any of these values. */
  values: Array<Scalars['String']['input']>;
};

export type CreateProductInput = {
  attributes: InputMaybe<Array<ProductAttributeInput>>;
  brand: InputMaybe<Scalars['String']['input']>;
  categoryPath: InputMaybe<Array<Scalars['String']['input']>>;
  currency: Scalars['String']['input'];
  description: Scalars['String']['input'];
  id: Scalars['ID']['input'];
  images: InputMaybe<Array<Scalars['String']['input']>>;
  priceCents: Scalars['Int']['input'];
  rating: InputMaybe<Scalars['Float']['input']>;
  sku: Scalars['String']['input'];
  title: Scalars['String']['input'];
};

export type ProductAttributeInput = {
  name: Scalars['String']['input'];
  value: Scalars['String']['input'];
};

/** Create-or-replace by id (sku defaults to the id). Prefer createProduct/updateProduct. */
export type ProductInput = {
  description: Scalars['String']['input'];
  id: Scalars['ID']['input'];
  priceCents: Scalars['Int']['input'];
  title: Scalars['String']['input'];
};

/** ARCHIVED products are kept for orders and references but not listed or found. */
export enum ProductStatus {
  Active = 'ACTIVE',
  Archived = 'ARCHIVED'
}

export type SearchFilters = {
  /** All of these attributes, each with any of its values. */
  attributes: InputMaybe<Array<AttributeFilterInput>>;
  /** Any of these brands. */
  brands: InputMaybe<Array<Scalars['String']['input']>>;
  /** Category names or paths ("Furniture", "Furniture > Bookcases"), any of them. */
  categories: InputMaybe<Array<Scalars['String']['input']>>;
  /** Only products with stock available. */
  inStock: InputMaybe<Scalars['Boolean']['input']>;
  maxPriceCents: InputMaybe<Scalars['Int']['input']>;
  minPriceCents: InputMaybe<Scalars['Int']['input']>;
};

/** RELEVANCE ties break by rating; NEWEST is by creation time. */
export enum SearchSort {
  Newest = 'NEWEST',
  PriceAsc = 'PRICE_ASC',
  PriceDesc = 'PRICE_DESC',
  Rating = 'RATING',
  Relevance = 'RELEVANCE'
}

/** Only the fields given change. */
export type UpdateProductInput = {
  /** Replaces all attributes. */
  attributes: InputMaybe<Array<ProductAttributeInput>>;
  /** null clears the brand. */
  brand: InputMaybe<Scalars['String']['input']>;
  categoryPath: InputMaybe<Array<Scalars['String']['input']>>;
  currency: InputMaybe<Scalars['String']['input']>;
  description: InputMaybe<Scalars['String']['input']>;
  images: InputMaybe<Array<Scalars['String']['input']>>;
  priceCents: InputMaybe<Scalars['Int']['input']>;
  rating: InputMaybe<Scalars['Float']['input']>;
  sku: InputMaybe<Scalars['String']['input']>;
  title: InputMaybe<Scalars['String']['input']>;
};

export type CartProductsQueryVariables = Exact<{
  ids: Array<string> | string;
}>;


export type CartProductsQuery = { products: Array<{ id: string, title: string, priceCents: number, availableQuantity: number, inStock: boolean } | null> };


export const CartProductsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CartProducts"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"ids"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"products"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"ids"},"value":{"kind":"Variable","name":{"kind":"Name","value":"ids"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"priceCents"}},{"kind":"Field","name":{"kind":"Name","value":"availableQuantity"}},{"kind":"Field","name":{"kind":"Name","value":"inStock"}}]}}]}}]} as unknown as DocumentNode<CartProductsQuery, CartProductsQueryVariables>;