declare module 'zipcodes' {
  interface ZipCode {
    zip: string;
    latitude: number;
    longitude: number;
    city: string;
    state: string;
    country: string;
  }
  const zipcodes: { lookup(zip: string | number): ZipCode | undefined };
  // The package is CommonJS with one exported object.
  // eslint-disable-next-line import-x/no-default-export
  export default zipcodes;
}
