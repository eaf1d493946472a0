package dev.apibilling.spring;

import dev.apibilling.Requirements;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.StandardEvaluationContext;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerMapping;

/**
 * The cost of handler methods as their {@link Billed} annotations say: found once per method (the
 * method's annotation, else its class's), validated, and cached. Thread safe.
 */
final class BilledCosts {

  /** The cost of a handler without {@code @Billed}. */
  static final long NOT_ANNOTATED = -1;

  private static final Cost UNANNOTATED = request -> NOT_ANNOTATED;

  private final BeanFactory beans;
  private final SpelExpressionParser parser = new SpelExpressionParser();
  private final ConcurrentHashMap<Key, Cost> costs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, String> operations = new ConcurrentHashMap<>();

  /** Costs whose cost functions and SpEL bean references are looked up in {@code beans}. */
  BilledCosts(BeanFactory beans) {
    this.beans = beans;
  }

  /**
   * The credits a request to {@code handler} costs ({@code 0}: free), or {@link #NOT_ANNOTATED}.
   *
   * @throws IllegalArgumentException if the request does not yield a valid cost (a cost expression or
   *     function found nothing usable in it); the message says why
   * @throws IllegalStateException if the handler's {@code @Billed} is invalid
   */
  long creditsOf(HandlerMethod handler, HttpServletRequest request) {
    return costOf(handler).credits(request);
  }

  /**
   * Checks the {@code @Billed} of {@code handler} now, so that a mistake stops the start-up rather than a
   * request.
   *
   * @throws IllegalStateException if it is invalid; the message names the method
   */
  void validate(HandlerMethod handler) {
    costOf(handler);
    operationOf(handler);
  }

  /**
   * The operation requests to {@code handler} are charged as: its {@code @Billed} operation, else the
   * method's name if that is a valid operation name; null if none.
   *
   * @throws IllegalStateException if the {@code @Billed} operation is not a valid operation name
   */
  @Nullable String operationOf(HandlerMethod handler) {
    String op = operations.computeIfAbsent(new Key(handler.getBeanType(), handler.getMethod()), k -> {
      Billed billed = annotation(handler);
      if (billed == null || billed.operation().isEmpty()) {
        try {
          return Requirements.operation(handler.getMethod().getName());
        } catch (IllegalArgumentException e) {
          return "";
        }
      }
      try {
        return Requirements.operation(billed.operation());
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("@Billed on " + handler.getBeanType().getName() + "#"
            + handler.getMethod().getName() + ": " + e.getMessage(), e);
      }
    });
    return op.isEmpty() ? null : op;
  }

  private Cost costOf(HandlerMethod handler) {
    return costs.computeIfAbsent(new Key(handler.getBeanType(), handler.getMethod()), k -> compile(handler));
  }

  private static @Nullable Billed annotation(HandlerMethod handler) {
    Billed billed = AnnotatedElementUtils.findMergedAnnotation(handler.getMethod(), Billed.class);
    return billed != null ? billed
        : AnnotatedElementUtils.findMergedAnnotation(handler.getBeanType(), Billed.class);
  }

  private Cost compile(HandlerMethod handler) {
    Billed billed = annotation(handler);
    if (billed == null) {
      return UNANNOTATED;
    }
    String where = "@Billed on " + handler.getBeanType().getName() + "#" + handler.getMethod().getName();
    boolean hasFunction = billed.costFunction() != CostFunction.class;
    boolean hasExpression = !billed.cost().isBlank();
    if (hasFunction && hasExpression) {
      throw new IllegalStateException(where + " sets both cost and costFunction; set one");
    }
    if (hasFunction) {
      CostFunction function;
      try {
        function = beans.getBean(billed.costFunction());
      } catch (BeansException e) {
        throw new IllegalStateException(where + " names costFunction " + billed.costFunction().getName()
            + " but there is no single bean of that type: " + e.getMessage(), e);
      }
      String name = "cost function " + billed.costFunction().getSimpleName();
      return request -> checked(function.credits(request), name);
    }
    if (hasExpression) {
      Expression expression;
      try {
        expression = parser.parseExpression(billed.cost());
      } catch (ParseException e) {
        throw new IllegalStateException(where + " has a cost expression that does not parse: '"
            + billed.cost() + "': " + e.getMessage(), e);
      }
      BeanFactoryResolver resolver = new BeanFactoryResolver(beans);
      return request -> evaluate(expression, resolver, request);
    }
    long credits = billed.credits();
    if (credits < 0 || credits > Requirements.MAX_CREDITS) {
      throw new IllegalStateException(where + ": credits must be >= 0 and <= " + Requirements.MAX_CREDITS
          + " but was " + credits);
    }
    return request -> credits;
  }

  private static long evaluate(Expression expression, BeanFactoryResolver resolver, HttpServletRequest request) {
    StandardEvaluationContext context = new StandardEvaluationContext();
    context.setBeanResolver(resolver);
    context.setVariable("request", request);
    context.setVariable("pathVariables", pathVariables(request));
    context.setVariable("params", new Parameters(request));
    Object value;
    try {
      value = expression.getValue(context);
    } catch (EvaluationException e) {
      throw new IllegalArgumentException("the cost of this request cannot be computed from it", e);
    }
    return checked(toCredits(value), "cost expression");
  }

  /** Converts an expression's result to credits, or -1 if it is not a whole number. */
  private static long toCredits(@Nullable Object value) {
    if (value == null) {
      throw new IllegalArgumentException("the cost of this request cannot be computed: a value it is "
          + "computed from is missing");
    }
    if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    try {
      if (value instanceof BigInteger b) {
        return b.longValueExact();
      }
      if (value instanceof BigDecimal d) {
        return d.longValueExact();
      }
      if (value instanceof Number n) {
        double d = n.doubleValue();
        if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) <= Requirements.MAX_CREDITS) {
          return (long) d;
        }
        throw new IllegalArgumentException("cost must be a whole number of credits but was " + n);
      }
      if (value instanceof CharSequence s) {
        return Long.parseLong(s.toString().trim());
      }
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("cost must be a whole number of credits but was '"
          + abbreviate(value.toString()) + "'", e);
    }
    throw new IllegalArgumentException("cost must be a whole number of credits but was a "
        + value.getClass().getSimpleName());
  }

  private static long checked(long credits, String source) {
    if (credits < 0 || credits > Requirements.MAX_CREDITS) {
      throw new IllegalArgumentException("cost must be >= 0 and <= " + Requirements.MAX_CREDITS
          + " credits but the " + source + " gave " + credits);
    }
    return credits;
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> pathVariables(HttpServletRequest request) {
    Object vars = request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
    return vars instanceof Map<?, ?> m ? Collections.unmodifiableMap((Map<String, String>) m) : Map.of();
  }

  /** Request parameters by name, first values, read only when asked for. */
  private static final class Parameters extends AbstractMap<String, String> {
    private final HttpServletRequest request;

    Parameters(HttpServletRequest request) {
      this.request = request;
    }

    @Override
    public @Nullable String get(@Nullable Object key) {
      return key instanceof String name ? request.getParameter(name) : null;
    }

    @Override
    public boolean containsKey(@Nullable Object key) {
      return get(key) != null;
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
      Map<String, String> all = new LinkedHashMap<>();
      request.getParameterMap().forEach((k, v) -> {
        if (v.length > 0) {
          all.put(k, v[0]);
        }
      });
      return Collections.unmodifiableMap(all).entrySet();
    }
  }

  /** A handler method of a controller class (an inherited method may be billed differently per class). */
  private record Key(Class<?> type, Method method) {}

  /** The cost of one handler method. */
  @FunctionalInterface
  private interface Cost {
    long credits(HttpServletRequest request);
  }
}
