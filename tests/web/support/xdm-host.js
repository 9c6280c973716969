// The Azure DevOps side of the extension SDK handshake, for the browser test: the XDM RPC protocol
// of azure-devops-extension-sdk (XDM.js): JSON strings through postMessage; a call is
// { id, methodName, instanceId, params, handshakeToken }, its answer { id, result | error, handshakeToken }
// (the SDK only accepts answers carrying its handshake token). Functions in a result travel as
// { __proxyFunctionId, _channelId } and come back as calls of instance "__proxyFunctions".
(function () {
  const config = JSON.parse(document.getElementById('host-config').textContent);
  const frame = document.getElementById('tab');
  const calls = [];
  const proxies = {};
  let nextProxy = 1;
  window.hostState = { calls, loaded: false, failed: undefined, handshake: undefined, resized: undefined };

  function proxied(methods) {
    const object = {};
    for (const name of Object.keys(methods)) {
      const id = nextProxy++;
      proxies['proxy' + id] = methods[name];
      object[name] = { __proxyFunctionId: id, _channelId: 1 };
    }
    return object;
  }

  const services = {
    'ms.vss-features.location-service': {
      getResourceAreaLocation: () => config.collectionUrl,
      getServiceLocation: () => config.collectionUrl,
    },
    'ms.vss-build-web.build-page-data-service': {
      getBuildPageData: () => ({ build: { id: config.buildId, buildNumber: config.buildNumber }, definition: { id: 7, name: 'churn-model release' } }),
    },
    'ms.vss-tfs-web.tfs-page-data-service': {
      getProject: () => Promise.resolve({ id: config.projectId, name: config.projectName }),
    },
  };

  const instances = {
    'DevOps.HostControl': {
      initialHandshake(options) {
        window.hostState.handshake = options;
        return {
          contributionId: config.contributionId,
          context: {
            extension: { publisherId: 'databricks-mlops', extensionId: 'databricks-mlops', id: 'databricks-mlops.databricks-mlops', version: '1.0.0' },
            user: { id: 'b1e2c3d4-0000-4000-8000-000000000001', name: 'ada@contoso.com', displayName: 'Ada Lovelace', descriptor: 'aad.ada' },
            host: { id: 'c0ffee00-0000-4000-8000-000000000000', name: 'contoso', serviceVersion: 'test', type: 4, isHosted: true },
            pageContext: { webContext: { project: { id: config.projectId, name: config.projectName } } },
          },
          initialConfig: {},
          themeData: config.themeData,
        };
      },
      getAccessToken: () => ({ token: config.accessToken }),
      notifyLoadSucceeded() {
        window.hostState.loaded = true;
      },
      notifyLoadFailed(error) {
        window.hostState.failed = String(error && error.message ? error.message : error);
      },
      resize(width, height) {
        window.hostState.resized = [width, height];
        if (typeof height === 'number') frame.style.height = Math.max(height + 24, 200) + 'px';
      },
    },
    'DevOps.ServiceManager': {
      getService(contributionId) {
        const service = services[contributionId];
        if (!service) throw new Error('No service ' + contributionId);
        return proxied(service);
      },
    },
    __proxyFunctions: proxies,
  };

  function post(message) {
    frame.contentWindow.postMessage(JSON.stringify(message), '*');
  }

  window.addEventListener('message', (event) => {
    if (event.source !== frame.contentWindow || typeof event.data !== 'string') return;
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!message.instanceId) return;
    calls.push(message.instanceId + '.' + message.methodName);
    const instance = instances[message.instanceId];
    const method = instance && instance[message.methodName];
    const answer = (fields) => post(Object.assign({ id: message.id, handshakeToken: message.handshakeToken }, fields));
    if (typeof method !== 'function') {
      answer({ error: { message: 'RPC method not found: ' + message.methodName } });
      return;
    }
    Promise.resolve()
      .then(() => method.apply(instance, message.params || []))
      .then(
        (result) => answer({ result }),
        (error) => answer({ error: { message: String(error && error.message ? error.message : error) } }),
      );
  });

  frame.src = config.tabUrl;
})();
