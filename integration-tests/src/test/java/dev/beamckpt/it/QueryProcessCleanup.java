package dev.beamckpt.it;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After every test, kills the query JVMs it started and left running. Registered for every test
 * class through JUnit's extension autodetection (src/test/resources), so no test can forget it.
 */
public final class QueryProcessCleanup implements AfterEachCallback {
  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    QueryProcess.killLeftovers();
  }
}
