/** Where the built console lives (index.html and hashed assets); the gateway serves it at /console. */
export declare const consoleAssetsDir: string;
