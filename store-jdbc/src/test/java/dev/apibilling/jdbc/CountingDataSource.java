package dev.apibilling.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source over one physical connection (closing a handed-out connection keeps it open) that counts,
 * through {@link Proxy}s of the connection and its statements, the calls that reach the server: statement
 * executions, commits, rollbacks and changes of auto-commit.
 */
final class CountingDataSource implements DataSource, AutoCloseable {

  private static final Set<String> EXECUTIONS =
      Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate", "executeBatch", "executeLargeBatch");

  final AtomicLong executions = new AtomicLong();
  final AtomicLong transactionCalls = new AtomicLong();
  private final Connection physical;

  CountingDataSource(Connection physical) {
    this.physical = physical;
  }

  /** Statement executions plus commits, rollbacks and auto-commit changes. */
  long calls() {
    return executions.get() + transactionCalls.get();
  }

  @Override
  public Connection getConnection() {
    InvocationHandler handler = (proxy, method, args) -> {
      switch (method.getName()) {
        case "close":
          return null;
        case "isClosed":
          return false;
        case "commit":
        case "rollback":
        case "setAutoCommit":
          transactionCalls.incrementAndGet();
          break;
        default:
          break;
      }
      Object result = invoke(physical, method, args);
      if (result instanceof Statement) {
        return countingStatement((Statement) result, method.getReturnType());
      }
      return result;
    };
    return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, handler);
  }

  private Object countingStatement(Statement statement, Class<?> type) {
    InvocationHandler handler = (proxy, method, args) -> {
      if (EXECUTIONS.contains(method.getName())) {
        executions.incrementAndGet();
      }
      return invoke(statement, method, args);
    };
    return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, handler);
  }

  private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Override
  public void close() throws java.sql.SQLException {
    physical.close();
  }

  @Override
  public Connection getConnection(String username, String password) {
    return getConnection();
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {}

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() {
    return Logger.getGlobal();
  }

  @Override
  public <T> T unwrap(Class<T> iface) {
    throw new UnsupportedOperationException();
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return false;
  }
}
