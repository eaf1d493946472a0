package dev.apibilling;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A setting given a value it does not allow. The setting's name is data, not wording: {@link #setting()}
 * is the builder method's name ({@code idempotencyTtl}), and web.xml init-params and {@code apibilling.*}
 * properties name the same setting in kebab-case ({@link #kebabCase}: {@code idempotency-ttl}), so an
 * adapter reports the name its user wrote with {@link #messageFor} without reading the message.
 */
public final class SettingException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String setting;
  private final String problem;
  private final boolean named;

  /**
   * A setting whose value breaks a rule: the message is {@code setting + " " + problem}.
   *
   * @param setting the builder's name of the setting, e.g. {@code idempotencyTtl}
   * @param problem what is wrong and what is allowed, e.g. {@code must be > 0 but was PT0S}
   */
  public SettingException(String setting, String problem) {
    this(setting, setting + " " + problem, problem, true, null);
  }

  private SettingException(String setting, String message, String problem, boolean named,
      @Nullable Throwable cause) {
    super(message, cause);
    this.setting = setting;
    this.problem = problem;
    this.named = named;
  }

  /**
   * A setting whose value breaks a rule, with a message of its own wording (it need not start with the
   * setting's name).
   */
  public static SettingException described(String setting, String message, @Nullable Throwable cause) {
    return new SettingException(setting, message, message, false, cause);
  }

  /** The builder's name of the setting (camelCase). */
  public String setting() {
    return setting;
  }

  /**
   * The message with {@code name} (how an adapter's user named the setting, e.g.
   * {@code init-param 'idempotency-ttl'} or {@code apibilling.idempotency-ttl}) in place of the builder's
   * name: {@code apibilling.idempotency-ttl must be > 0 but was PT0S}.
   */
  public String messageFor(String name) {
    return named ? name + " " + problem : name + ": " + problem;
  }

  /** {@code camelCase} as {@code camel-case}: how web.xml and properties spell a builder's setting. */
  public static String kebabCase(String camelCase) {
    StringBuilder b = new StringBuilder(camelCase.length() + 4);
    for (int i = 0; i < camelCase.length(); i++) {
      char c = camelCase.charAt(i);
      if (Character.isUpperCase(c)) {
        b.append('-').append(Character.toLowerCase(c));
      } else {
        b.append(c);
      }
    }
    return b.toString().toLowerCase(Locale.ROOT);
  }
}
