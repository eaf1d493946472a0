package dev.apibilling.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Bills every request a controller method handles: the credits are reserved from the caller's quotas
 * before the method runs, and committed or released after it per the charge policy. A denied request
 * gets a 429 problem response and the method does not run.
 *
 * <p>On a class it applies to every handler method of the class; an annotation on a method replaces the
 * class's ({@code @Billed(credits = 0)} makes one method free). The cost is, by precedence:
 * {@link #costFunction()} if set, else {@link #cost()} if set, else {@link #credits()}.
 *
 * <pre>{@code
 * @Billed                                           // 1 credit a call
 * @Billed(credits = 5)
 * @Billed(cost = "#request.getParameter('pages')")  // SpEL, evaluated per request
 * @Billed(costFunction = TokensCost.class)          // the CostFunction bean of that type
 * @Billed(operation = "send_email")                 // also counts against send_email's quotas
 * }</pre>
 *
 * <p>A billed request is charged as an operation: {@link #operation()}, by default the handler method's
 * name. A plan's quotas for that operation ({@code day:50 operation=send_email}) apply to it next to the
 * client-wide ones; an operation without quotas of its own counts against the client-wide ones only.
 *
 * <p>Invalid settings (negative credits, a SpEL expression that does not parse, a cost function with no
 * bean, both {@code cost} and {@code costFunction}) fail the application's start-up.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Billed {

  /** Credits a call costs; {@code 0} means the method is not billed. */
  long credits() default 1;

  /**
   * A SpEL expression computing the credits per request, for example
   * {@code "#request.getParameter('pages')"} or {@code "#pathVariables['size'] == 'xl' ? 10 : 1"}.
   *
   * <p>Variables: {@code #request} (the {@code HttpServletRequest}), {@code #pathVariables} (URI template
   * variables by name), {@code #params} (first value of each query or form parameter); beans are
   * reachable as {@code @beanName}. The result is converted to a whole number of credits; {@code 0}
   * means this request is free. A result that is not a whole number {@code >= 0} (for instance a
   * missing parameter) answers the request with 400.
   */
  String cost() default "";

  /** A {@link CostFunction} bean that computes the credits per request; the bean must exist. */
  Class<? extends CostFunction> costFunction() default CostFunction.class;

  /**
   * The operation the requests are charged as (1 to 64 of {@code A-Z a-z 0-9 _ . -}); empty, the default,
   * means the handler method's name ({@code sendEmail}), or none if that name is not a valid operation.
   */
  String operation() default "";
}
