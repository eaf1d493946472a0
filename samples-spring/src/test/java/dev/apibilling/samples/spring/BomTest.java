package dev.apibilling.samples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The BOM ({@code bom/pom.xml}, which has no parent so that importing it manages nothing else) stays in
 * step with the build: the parent's version, and every published module of the reactor (each module that
 * does not set {@code maven.deploy.skip}) with its jar, no more.
 */
final class BomTest {

  @Test
  void bomManagesEveryPublishedModuleAtTheParentsVersion() throws Exception {
    Path root = ReadmeJavaBlocksTest.root();
    Document parent = parse(root.resolve("pom.xml"));
    Document bom = parse(root.resolve("bom/pom.xml"));

    List<String> published = new ArrayList<>();
    for (String module : texts(parent.getDocumentElement(), "modules", "module")) {
      Document pom = parse(root.resolve(module).resolve("pom.xml"));
      String packaging = text(pom.getDocumentElement(), "packaging");
      if (!"true".equals(text(child(pom.getDocumentElement(), "properties"), "maven.deploy.skip"))
          && !"pom".equals(packaging)) {
        published.add(text(pom.getDocumentElement(), "artifactId"));
      }
    }
    List<String> managed = new ArrayList<>();
    Element management = child(bom.getDocumentElement(), "dependencyManagement");
    for (Element dependency : elements(child(management, "dependencies"), "dependency")) {
      assertThat(text(dependency, "groupId")).isEqualTo("dev.apibilling");
      assertThat(text(dependency, "version")).isEqualTo("${project.version}");
      if (text(dependency, "type") == null) {
        managed.add(text(dependency, "artifactId"));
      }
    }

    assertThat(published).isNotEmpty();
    assertThat(managed).containsExactlyInAnyOrderElementsOf(published);
    assertThat(text(bom.getDocumentElement(), "version")).isEqualTo(text(parent.getDocumentElement(), "version"));
    assertThat(text(bom.getDocumentElement(), "parent")).isNull();
  }

  private static Document parse(Path pom) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return factory.newDocumentBuilder().parse(pom.toFile());
  }

  private static List<Element> elements(Element parent, String name) {
    List<Element> found = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
        found.add(e);
      }
    }
    return found;
  }

  private static Element child(Element parent, String name) {
    List<Element> found = elements(parent, name);
    return found.isEmpty() ? parent.getOwnerDocument().createElement(name) : found.get(0);
  }

  private static String text(Element parent, String name) {
    List<Element> found = elements(parent, name);
    return found.isEmpty() ? null : found.get(0).getTextContent().strip();
  }

  private static List<String> texts(Element parent, String list, String name) {
    return elements(child(parent, list), name).stream().map(Node::getTextContent).map(String::strip).toList();
  }
}
